import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileExists } from './file-exists';

describe('fileExists', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'slipway-verify-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('passes for a file and reports its size', async () => {
    await writeFile(join(root, 'VERSION'), '1.2.3\n');
    const result = await fileExists(join(root, 'VERSION'));
    expect(result).toMatchObject({ ok: true, message: `${join(root, 'VERSION')} is a file of 6 bytes` });
  });

  it('fails for a missing file, naming the path', async () => {
    const result = await fileExists(join(root, 'server.js'));
    expect(result).toMatchObject({
      ok: false,
      message: `expected a file at ${join(root, 'server.js')}, found nothing`,
    });
  });

  it('fails for a directory', async () => {
    const result = await fileExists(root);
    expect(result).toMatchObject({ ok: false, message: expect.stringContaining('found a directory') });
  });
});
