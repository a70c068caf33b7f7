import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { processHasEnv } from './process-has-env';

describe('processHasEnv', () => {
  it('passes on the exact entry and names what it found otherwise', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30_000)'], {
      stdio: 'ignore',
      env: { PATH: process.env.PATH, SLIPWAY_MARK: '/data/clusters/a' },
    });
    await once(child, 'spawn');
    const pid = child.pid!;
    try {
      expect(await processHasEnv(pid, 'SLIPWAY_MARK', '/data/clusters/a')).toMatchObject({ ok: true });
      // A prefix of the value must not pass: cluster "a" is not cluster "ab".
      expect(await processHasEnv(pid, 'SLIPWAY_MARK', '/data/clusters/ab')).toMatchObject({
        ok: false,
        message: `expected process ${pid} to have SLIPWAY_MARK=/data/clusters/ab, found "SLIPWAY_MARK=/data/clusters/a"`,
      });
      expect((await processHasEnv(pid, 'OTHER', 'x')).message).toBe(
        `expected process ${pid} to have OTHER=x, found no OTHER`,
      );
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    expect((await processHasEnv(pid, 'SLIPWAY_MARK', '/data/clusters/a')).ok).toBe(false);
  });
});
