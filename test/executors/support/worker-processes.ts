import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { WORKER_CONFIG_ENV, type WorkerProcessConfig } from './worker-process-config';

const ROOT = resolve(import.meta.dirname, '../../..');
/** bullmq-worker-process.ts, compiled by test/support/build-programs.ts before the tests start. */
const SCRIPT = join(ROOT, '.tmp/test-programs/bullmq-worker-process.js');

export interface WorkerProcess {
  pid: number;
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** What it wrote to stderr: shown when a test fails. */
  stderr: string[];
}

/** Starts worker processes and makes sure none outlives the test, whatever happens in it. */
export class WorkerProcesses {
  private readonly started: WorkerProcess[] = [];
  private readonly all: WorkerProcess[] = [];

  /** Spawns one and resolves when it takes jobs. */
  async start(config: WorkerProcessConfig, timeoutMs = 60_000): Promise<WorkerProcess> {
    const worker = this.spawn(config);
    const { child } = worker;
    const lines = createInterface({ input: child.stdout });
    const exitedEarly = once(child, 'exit').then(([code]) => {
      throw new Error(`worker exited with ${code} before it was ready:\n${worker.stderr.join('\n')}`);
    });
    // Once it is ready, its exit (the kill at the end of the test) is no failure.
    exitedEarly.catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        new Promise<void>((ready) => lines.on('line', (line) => line.includes('"ready":true') && ready())),
        exitedEarly,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`worker not ready within ${timeoutMs}ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
    return worker;
  }

  /**
   * Spawns one that is meant to die on its own (at a fault point) and resolves with how it
   * exited, whether or not it got as far as reporting ready; rejects if it lives past `timeoutMs`.
   */
  async runUntilExit(
    config: WorkerProcessConfig,
    timeoutMs = 90_000,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const worker = this.spawn(config);
    let timer: NodeJS.Timeout | undefined;
    try {
      const [code, signal] = (await Promise.race([
        once(worker.child, 'exit'),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`worker ${worker.pid} still alive after ${timeoutMs}ms`)),
            timeoutMs,
          );
        }),
      ])) as [number | null, NodeJS.Signals | null];
      return { code, signal };
    } finally {
      clearTimeout(timer);
    }
  }

  private spawn(config: WorkerProcessConfig): WorkerProcess {
    const child = spawn(process.execPath, ['--enable-source-maps', SCRIPT], {
      cwd: ROOT,
      env: { ...process.env, [WORKER_CONFIG_ENV]: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const worker: WorkerProcess = { pid: child.pid!, child, stderr: [] };
    this.started.push(worker);
    this.all.push(worker);
    createInterface({ input: child.stderr }).on('line', (line) => worker.stderr.push(line));
    return worker;
  }

  /** kill -9: no shutdown code runs, as when a machine dies. */
  async kill(worker: WorkerProcess): Promise<void> {
    if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
    const exited = once(worker.child, 'exit');
    worker.child.kill('SIGKILL');
    await exited;
  }

  async killAll(): Promise<void> {
    await Promise.all(this.started.splice(0).map((worker) => this.kill(worker)));
  }

  stderr(): string {
    return this.all.map((worker) => `--- worker ${worker.pid}\n${worker.stderr.join('\n')}`).join('\n');
  }
}
