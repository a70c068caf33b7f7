import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { directoryExists } from './directory-exists';

describe('directoryExists', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'slipway-verify-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('passes for a directory and times itself', async () => {
    const result = await directoryExists(root);
    expect(result).toMatchObject({ ok: true, name: `directory ${root} exists` });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('says nothing was found when the path is missing', async () => {
    const result = await directoryExists(join(root, 'nope'));
    expect(result.ok).toBe(false);
    expect(result.message).toBe(`expected a directory at ${join(root, 'nope')}, found nothing`);
  });

  it('says a file was found instead of a directory', async () => {
    await writeFile(join(root, 'file'), 'x');
    const result = await directoryExists(join(root, 'file'));
    expect(result).toMatchObject({ ok: false, message: expect.stringContaining('found a file') });
  });

  it('with notEmpty, fails on an empty directory and passes once it holds a file', async () => {
    await mkdir(join(root, 'app'));
    expect((await directoryExists(join(root, 'app'), { notEmpty: true })).message).toContain(
      'found it empty',
    );
    await writeFile(join(root, 'app', 'server.js'), '');
    expect(await directoryExists(join(root, 'app'), { notEmpty: true })).toMatchObject({ ok: true });
  });
});
