import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { until } from '../../testing/local/poll';
import { processRunning } from '../verify/process-running';
import { runBuildCommand } from './run-build-command';

describe('runBuildCommand', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-build-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const base = () => ({
    cwd: dir,
    env: process.env,
    signal: new AbortController().signal,
    timeoutMs: 10_000,
    onLine: () => {},
  });

  it('kills what the command left running in the background once it exits', async () => {
    const result = await runBuildCommand({ ...base(), command: 'sleep 30 & echo $! > bg.pid; exit 0' });
    expect(result).toMatchObject({ ended: 'exited', exitCode: 0 });
    expect(result.durationMs).toBeLessThan(5000);
    const bg = Number(readFileSync(join(dir, 'bg.pid'), 'utf8'));
    expect((await processRunning(bg)).ok).toBe(false);
  });

  it('escalates to SIGKILL when the build ignores SIGTERM', async () => {
    const controller = new AbortController();
    const running = runBuildCommand({
      ...base(),
      command: 'trap "" TERM; touch started; sleep 30',
      signal: controller.signal,
      killGraceMs: 200,
    });
    await until(() => existsSync(join(dir, 'started')));
    const abortedAt = performance.now();
    controller.abort('cancel');
    const result = await running;
    expect(result).toMatchObject({ ended: 'aborted', signal: 'SIGKILL' });
    expect(performance.now() - abortedAt).toBeLessThan(3000);
  });

  it('streams stdout and stderr lines and keeps the last stderr line', async () => {
    const lines: string[] = [];
    const result = await runBuildCommand({
      ...base(),
      command: 'echo one; echo two >&2; printf three; echo last >&2',
      onLine: (line, stream) => lines.push(`${stream}:${line}`),
    });
    expect(lines).toEqual(
      expect.arrayContaining(['stdout:one', 'stderr:two', 'stdout:three', 'stderr:last']),
    );
    expect(result.lastStderrLine).toBe('last');
  });

  it('reports a shell that cannot start', async () => {
    const result = await runBuildCommand({ ...base(), cwd: join(dir, 'missing'), command: 'true' });
    expect(result.ended).toBe('spawn_error');
    expect(result.spawnError).toContain('ENOENT');
  });
});
