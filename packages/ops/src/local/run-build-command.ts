import { spawn } from 'node:child_process';
import { readBoundedLines } from './bounded-lines';
import { createBuildCgroup, joinCgroup, killBuildCgroup } from './build-cgroup';
import { BuildTracker, descriptorsOf, startTimeOf } from './build-tracker';
import { signalGroup } from './process-group';

export interface BuildCommandOptions {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  timeoutMs: number;
  /** Between SIGTERM and SIGKILL when stopping the build; default 5000. */
  killGraceMs?: number;
  /** A variable `env` sets for this build alone, which marks the processes it starts. */
  mark?: { name: string; value: string };
  /** Run the build in a cgroup of this name when the machine gives us one. */
  cgroupName?: string;
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
  /** How the build's processes were held: a cgroup, or tracking what they inherited. */
  containment: 'cgroup' | 'tracking';
  /** Processes still running when the shell ended, all killed then. */
  leftovers: number;
  /** Pids that were signalled and still ran at the deadline (none, unless the kernel refused). */
  unkillable: number[];
  /** Set when the shell could not be started at all. */
  spawnError?: string;
}

const STREAMS_GRACE_MS = 2000;
const KILL_WAIT_MS = 5000;
const SCAN_INTERVAL_MS = 250;
/**
 * The shell waits on stdin until we have put it in the cgroup and noted the descriptors the
 * tracker looks for (a zombie shows none), so nothing it starts is born before either; then the
 * command runs, with stdin from /dev/null as before.
 */
const GATED = 'read -r _; exec /bin/sh -c "$1" </dev/null';

/**
 * Runs a shell command in its own session and process group and resolves only once nothing it
 * started runs any more, so the caller may inspect or delete the directory without a straggler
 * writing into it. Whatever the command left running is killed when the shell exits: everything
 * in the build's cgroup where we could make one, and in any case every process found to belong to
 * the build by its group, session, mark, inherited descriptors or parent links (see BuildTracker
 * for what that can miss).
 */
export async function runBuildCommand(options: BuildCommandOptions): Promise<BuildCommandResult> {
  const started = performance.now();
  const killGraceMs = options.killGraceMs ?? 5000;
  const cgroup = options.cgroupName ? await createBuildCgroup(options.cgroupName) : null;
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', GATED, 'sh', options.command], {
      cwd: options.cwd,
      env: options.env,
      // Its own session and group: one kill reaches npm, node and whatever else stayed in it.
      detached: true,
      // fd 3 is never used: a descriptor every descendant inherits unless it closes it, by
      // which the tracker finds processes that left the group and dropped the environment.
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    let lastStderrLine: string | null = null;
    let stopped: 'timeout' | 'aborted' | null = null;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let tracker: BuildTracker | null = null;
    let contained = false;
    let cleanup: Promise<{ killed: number; remaining: number[] }> | null = null;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    let scanTimer: NodeJS.Timeout | undefined;

    const stop = (reason: 'timeout' | 'aborted') => {
      if (stopped || exit || child.pid === undefined) return;
      stopped = reason;
      signalGroup(child.pid, 'SIGTERM');
      timers.push(
        setTimeout(() => child.pid !== undefined && signalGroup(child.pid, 'SIGKILL'), killGraceMs),
      );
    };
    const onAbort = () => stop('aborted');
    const killLeftovers = async () => {
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      const fromCgroup = cgroup ? await killBuildCgroup(cgroup, KILL_WAIT_MS) : { killed: 0, remaining: [] };
      const tracked = tracker ? await tracker.killAll(KILL_WAIT_MS) : { killed: 0, remaining: [] };
      return {
        killed: fromCgroup.killed + tracked.killed,
        remaining: [...new Set([...fromCgroup.remaining, ...tracked.remaining])],
      };
    };
    const finish = async (spawnError?: string) => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      clearTimeout(scanTimer);
      options.signal.removeEventListener('abort', onAbort);
      const killed = await (cleanup ?? (spawnError ? Promise.resolve(null) : killLeftovers()));
      (child.stdio[3] as (NodeJS.ReadableStream & { destroy(): void }) | null)?.destroy();
      resolve({
        ended: spawnError ? 'spawn_error' : (stopped ?? 'exited'),
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        lastStderrLine,
        durationMs: performance.now() - started,
        containment: contained ? 'cgroup' : 'tracking',
        leftovers: killed?.killed ?? 0,
        unkillable: killed?.remaining ?? [],
        ...(spawnError ? { spawnError } : {}),
      });
    };

    // Bounded whatever the command prints: the build may fail, the server must not.
    readBoundedLines(child.stdout!, (line) => options.onLine(line, 'stdout'));
    readBoundedLines(child.stderr!, (line) => {
      if (line.trim().length > 0) lastStderrLine = line;
      options.onLine(line, 'stderr');
    });
    child.once('spawn', () => {
      const pid = child.pid;
      if (pid === undefined) return;
      if (cgroup) contained = joinCgroup(pid, cgroup);
      options.onSpawn?.(pid);
      void startTracking(pid);
    });
    const startTracking = async (pid: number) => {
      const descriptors = new Set(await descriptorsOf(pid, [1, 2, 3]));
      const bornAfter = (await startTimeOf(pid)) ?? undefined;
      tracker = new BuildTracker({ leader: pid, mark: options.mark ?? null, descriptors, bornAfter });
      // A shell already killed (abort) has closed its end: ignore the EPIPE.
      child.stdin?.on('error', () => {});
      child.stdin?.end('go\n');
      const scan = () => {
        if (exit || settled || !tracker) return;
        void tracker.scan().finally(() => {
          if (!exit && !settled) scanTimer = setTimeout(scan, SCAN_INTERVAL_MS);
        });
      };
      scan();
    };
    child.once('error', (error) => {
      if (child.pid === undefined) void finish(error.message);
    });
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      cleanup = killLeftovers();
      // A process we could not kill may still hold our pipes; do not wait for it forever.
      timers.push(
        setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
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
