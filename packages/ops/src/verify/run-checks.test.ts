import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { directoryExists } from './directory-exists';
import { fileExists } from './file-exists';
import { runChecks } from './run-checks';

describe('runChecks', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'slipway-verify-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('is ok only when every check passes, and keeps the order of the checks', async () => {
    const report = await runChecks([() => directoryExists(root), () => fileExists(join(root, 'missing'))]);
    expect(report.ok).toBe(false);
    expect(report.results.map((result) => result.ok)).toEqual([true, false]);
    expect((await runChecks([() => directoryExists(root)])).ok).toBe(true);
  });

  it('counts a check that throws as a failure instead of throwing', async () => {
    const report = await runChecks([
      () => directoryExists(root),
      () => Promise.reject(new Error('probe crashed')),
    ]);
    expect(report.ok).toBe(false);
    expect(report.results[1]).toMatchObject({
      name: 'check #2',
      ok: false,
      message: 'check threw: probe crashed',
    });
  });

  it('proves nothing with no checks', async () => {
    expect(await runChecks([])).toEqual({ ok: false, results: [] });
  });
});
