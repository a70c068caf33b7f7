import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chown, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { until } from '../../testing/local/poll';
import { processRunning } from '../verify/process-running';
import { cgroupV2DirSync } from './build-cgroup';
import { runBuildCommand } from './run-build-command';

const execFileAsync = promisify(execFile);
const NOBODY = 65534;
const TSX = resolve(import.meta.dirname, '../../../../node_modules/.bin/tsx');
const AS_USER = resolve(import.meta.dirname, '../../testing/local/run-build-as-user.mts');

/** Pids of live processes whose command line contains `text` (arguments joined by spaces). */
async function commandsRunning(text: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.replaceAll('\0', ' ').includes(text) && (await processRunning(Number(entry))).ok)
      pids.push(Number(entry));
  }
  return pids;
}

/** Whether this machine gives us a cgroup v2 we may create children in (root, or a delegated one). */
function cgroupsUsable(): boolean {
  return cgroupV2DirSync() !== null;
}

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

  // Daemons that leave the build's process group and session, drop its environment, close its
  // pipes and get orphaned: each writes its pid, then becomes a long sleep.
  const daemons = {
    setsid: `setsid sh -c 'echo $$ > "$PWD/daemon.pid"; exec sleep 7778' </dev/null >/dev/null 2>&1 &`,
    'double fork under env -i': `d="$PWD"; env -i /bin/sh -c "cd /; (setsid /bin/sh -c 'echo \\$\\$ > $d/daemon.pid; exec sleep 7779' </dev/null >/dev/null 2>&1 &); exit 0"`,
  };
  const modes = [
    { name: 'a cgroup', cgroupName: `slipway-build-test-${process.pid}`, expected: 'cgroup' },
    { name: 'tracked descendants (no cgroup)', cgroupName: undefined, expected: 'tracking' },
  ] as const;
  for (const mode of modes) {
    for (const [how, start] of Object.entries(daemons)) {
      it.runIf(mode.expected === 'tracking' || cgroupsUsable())(
        `leaves nothing running that the build started (${how}), with ${mode.name}`,
        async () => {
          const result = await runBuildCommand({
            ...base(),
            mark: { name: 'SLIPWAY_IMAGE_DIR', value: dir },
            env: { PATH: process.env.PATH, SLIPWAY_IMAGE_DIR: dir },
            cgroupName: mode.cgroupName,
            command: `${start}\nuntil [ -s daemon.pid ]; do sleep 0.05; done; exit 0`,
          });
          expect(result).toMatchObject({ ended: 'exited', exitCode: 0, containment: mode.expected });
          const daemon = Number(readFileSync(join(dir, 'daemon.pid'), 'utf8'));
          expect(daemon).toBeGreaterThan(0);
          expect((await processRunning(daemon)).ok).toBe(false);
          expect(result.leftovers).toBeGreaterThanOrEqual(1);
        },
      );
    }
  }

  it('leaves nothing running when the shell exits the instant it started a daemon', async () => {
    const result = await runBuildCommand({
      ...base(),
      env: { PATH: process.env.PATH },
      command: `env -i /bin/sh -c "(setsid /bin/sh -c 'exec sleep 7781' </dev/null >/dev/null 2>&1 &)"; exit 0`,
    });
    expect(result).toMatchObject({ ended: 'exited', exitCode: 0 });
    expect(await commandsRunning('sleep 7781')).toEqual([]);
  });

  it.runIf(process.getuid?.() === 0)(
    'as a non-root user, with no cgroup to be had, leaves nothing running either (double fork under env -i)',
    async () => {
      await chown(dir, NOBODY, NOBODY);
      const command = `${daemons['double fork under env -i']}\nuntil [ -s daemon.pid ]; do sleep 0.05; done; exit 0`;
      const { stdout } = await execFileAsync('setpriv', [
        `--reuid=${NOBODY}`,
        `--regid=${NOBODY}`,
        '--clear-groups',
        '--',
        TSX,
        AS_USER,
        dir,
        command,
      ]);
      const result = JSON.parse(stdout);
      expect(result).toMatchObject({ ended: 'exited', exitCode: 0, containment: 'tracking' });
      const daemon = Number(readFileSync(join(dir, 'daemon.pid'), 'utf8'));
      expect(daemon).toBeGreaterThan(0);
      expect((await processRunning(daemon)).ok).toBe(false);
    },
  );

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
