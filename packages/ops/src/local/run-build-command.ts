import { spawn } from 'node:child_process';
import { readBoundedLines } from './bounded-lines';
import { signalGroup, waitForGroupGone } from './process-group';

export interface BuildCommandOptions {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  timeoutMs: number;
  /** Between SIGTERM and SIGKILL when stopping the build; default 5000. */
  killGraceMs?: number;
  onLine(line: string, stream: 'stdout' | 'stderr'): void;
  /** Called once the shell runs, with its pid, which is also its process group id. */
  onSpawn?(pid: number): void;
}

export interface BuildCommandResult {
  ended: 'exited' | 'timeout' | 'aborted' | 'spawn_error';
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  lastStderrLine: string | null;
  durationMs: number;
  /** Set when the shell could not be started at all. */
  spawnError?: string;
}

const STREAMS_GRACE_MS = 2000;
const GROUP_GONE_MS = 5000;

/**
 * Runs a shell command in its own process group and resolves only once nothing of that group
 * runs any more, so the caller may inspect or delete the directory without a straggler writing
 * into it. Whatever the command left running in the background is killed when it exits.
 */
export function runBuildCommand(options: BuildCommandOptions): Promise<BuildCommandResult> {
  const started = performance.now();
  const killGraceMs = options.killGraceMs ?? 5000;
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', options.command], {
      cwd: options.cwd,
      env: options.env,
      // Its own group: one kill reaches npm, node and whatever else the build started.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lastStderrLine: string | null = null;
    let stopped: 'timeout' | 'aborted' | null = null;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];

    const stop = (reason: 'timeout' | 'aborted') => {
      if (stopped || exit || child.pid === undefined) return;
      stopped = reason;
      signalGroup(child.pid, 'SIGTERM');
      timers.push(
        setTimeout(() => child.pid !== undefined && signalGroup(child.pid, 'SIGKILL'), killGraceMs),
      );
    };
    const onAbort = () => stop('aborted');
    const finish = async (spawnError?: string) => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      if (child.pid !== undefined) await waitForGroupGone(child.pid, GROUP_GONE_MS);
      resolve({
        ended: spawnError ? 'spawn_error' : (stopped ?? 'exited'),
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        lastStderrLine,
        durationMs: performance.now() - started,
        ...(spawnError ? { spawnError } : {}),
      });
    };

    // Bounded whatever the command prints: the build may fail, the server must not.
    readBoundedLines(child.stdout, (line) => options.onLine(line, 'stdout'));
    readBoundedLines(child.stderr, (line) => {
      if (line.trim().length > 0) lastStderrLine = line;
      options.onLine(line, 'stderr');
    });
    child.once('spawn', () => {
      if (child.pid !== undefined) options.onSpawn?.(child.pid);
    });
    child.once('error', (error) => {
      if (child.pid === undefined) void finish(error.message);
    });
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      // A process that left the group may still hold our pipes; do not wait for it forever.
      timers.push(
        setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
          void finish();
        }, STREAMS_GRACE_MS),
      );
    });
    child.once('close', () => void finish());

    timers.push(setTimeout(() => stop('timeout'), options.timeoutMs));
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });
  });
}
