import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pathAbsent } from './path-absent';

describe('pathAbsent', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'slipway-verify-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('passes when nothing is there', async () => {
    expect(await pathAbsent(join(root, 'gone'))).toMatchObject({ ok: true });
  });

  it('fails on a directory that is still there', async () => {
    expect(await pathAbsent(root)).toMatchObject({
      ok: false,
      message: `expected nothing at ${root}, found a directory`,
    });
  });

  it('fails on a dangling symlink, which exists even though it points nowhere', async () => {
    await symlink(join(root, 'missing'), join(root, 'link'));
    expect((await pathAbsent(join(root, 'link'))).ok).toBe(false);
  });
});
