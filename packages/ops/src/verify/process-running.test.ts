import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { processRunning } from './process-running';

describe('processRunning', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
  });

  it('passes for a live child process and fails once it has exited', async () => {
    child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30_000)'], { stdio: 'ignore' });
    await once(child, 'spawn');
    const pid = child.pid!;
    expect(await processRunning(pid)).toMatchObject({ ok: true, message: `process ${pid} is running` });

    child.kill('SIGTERM');
    await once(child, 'exit');
    const result = await processRunning(pid);
    expect(result.ok).toBe(false);
    expect(result.message).toContain(`expected process ${pid} to be running`);
  });

  it('passes for this very process', async () => {
    expect((await processRunning(process.pid)).ok).toBe(true);
  });

  it.each([0, -1, 1.5, Number.NaN])(
    'refuses pid %s, which kill(2) would read as a process group',
    async (pid) => {
      const result = await processRunning(pid);
      expect(result).toMatchObject({ ok: false, message: `expected a positive integer pid, got ${pid}` });
    },
  );
});
