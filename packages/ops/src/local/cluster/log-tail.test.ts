import { appendFile, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logTail } from './log-tail';

describe('logTail', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-log-tail-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads the end of a 600 MB log without loading it, and clips a long last line', async () => {
    const log = join(dir, 'instance.log');
    await writeFile(log, '');
    // Sparse, so the test costs no disk: more than V8's longest string, which readFile could not return.
    await truncate(log, 600 * 1024 * 1024);
    await appendFile(log, `\nlisten EADDRINUSE\n${'x'.repeat(10_000)}\n`);
    const tail = await logTail(log);
    expect(tail).toBe(`listen EADDRINUSE | ${'x'.repeat(500)}…`);
  });

  it('keeps the first line of a short log and says when the log is empty or missing', async () => {
    const log = join(dir, 'short.log');
    await writeFile(log, 'one\n\ntwo  \nthree');
    expect(await logTail(log)).toBe('one | two | three');
    expect(await logTail(log, 2)).toBe('two | three');
    await writeFile(log, '');
    expect(await logTail(log)).toBe('(the log is empty)');
    expect(await logTail(join(dir, 'missing.log'))).toBe('(the log is empty)');
  });
});
