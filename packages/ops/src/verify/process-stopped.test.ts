import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { processStopped } from './process-stopped';

describe('processStopped', () => {
  it('fails while the process runs and passes once it has exited', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30_000)'], { stdio: 'ignore' });
    await once(child, 'spawn');
    const pid = child.pid!;
    try {
      expect(await processStopped(pid)).toMatchObject({
        ok: false,
        message: `expected process ${pid} to be stopped, found it still running`,
      });
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    expect(await processStopped(pid)).toMatchObject({ ok: true, message: `process ${pid} is not running` });
  });

  it('refuses pid 0, which would address a process group', async () => {
    expect((await processStopped(0)).ok).toBe(false);
  });
});
