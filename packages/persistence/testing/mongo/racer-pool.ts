import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Run } from '@slipway/domain';
import type { RacerAnswer } from './racer-protocol';

const ROOT = resolve(import.meta.dirname, '../../../..');
const SCRIPT = join(import.meta.dirname, 'start-run-racer.ts');

interface Racer {
  child: ChildProcessByStdio<Writable, Readable, Readable>;
  stderr: string[];
  waiting: Map<number, { resolve: (answer: RacerAnswer) => void; reject: (error: Error) => void }>;
}

/**
 * Long-lived racer processes, each with its own MongoStore on the same database: a trial sends
 * every racer its runs at the same moment and collects what each start did. Starting a process
 * per trial would cost seconds of tsx start-up each, and hundreds of trials are needed to hit a
 * race that shows once in tens.
 */
export class RacerPool {
  private constructor(private readonly racers: Racer[]) {}

  static async start(size: number, url: string, dbName: string): Promise<RacerPool> {
    const racers = Array.from({ length: size }, () => spawnRacer(url, dbName));
    const pool = new RacerPool(racers.map(({ racer }) => racer));
    try {
      await Promise.all(racers.map(({ ready }) => ready));
    } catch (error) {
      pool.kill();
      throw error;
    }
    return pool;
  }

  /** Sends racer i the runs `runs[i]`, all at once, and resolves with every racer's answer. */
  async trial(trial: number, runs: Run[][]): Promise<RacerAnswer[]> {
    const answers = this.racers.map(
      (racer) => new Promise<RacerAnswer>((resolve, reject) => racer.waiting.set(trial, { resolve, reject })),
    );
    // Built first and written back to back, so the racers get their lines as close together as can be.
    const lines = this.racers.map((_, i) => `${JSON.stringify({ trial, runs: runs[i] ?? [] })}\n`);
    for (const [i, racer] of this.racers.entries()) racer.child.stdin.write(lines[i]!);
    return Promise.all(answers);
  }

  stderr(): string {
    return this.racers.map((racer) => `--- racer ${racer.child.pid}\n${racer.stderr.join('\n')}`).join('\n');
  }

  /** Closing stdin lets each racer close its store and exit. */
  async close(): Promise<void> {
    await Promise.all(
      this.racers.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.stdin.end();
        await exited;
      }),
    );
  }

  kill(): void {
    for (const { child } of this.racers) if (child.exitCode === null) child.kill('SIGKILL');
  }
}

function spawnRacer(url: string, dbName: string): { racer: Racer; ready: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, url, dbName], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const racer: Racer = { child, stderr: [], waiting: new Map() };
  createInterface({ input: child.stderr }).on('line', (line) => racer.stderr.push(line));
  const ready = new Promise<void>((resolveReady, reject) => {
    // A racer that dies fails its trial at once rather than leaving it waiting for an answer.
    child.once('exit', (code, signal) => {
      const error = new Error(`racer exited (${code ?? signal}):\n${racer.stderr.join('\n')}`);
      reject(error);
      for (const { reject: fail } of racer.waiting.values()) fail(error);
      racer.waiting.clear();
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      const message = JSON.parse(line) as { ready?: true } & Partial<RacerAnswer>;
      if (message.ready) return resolveReady();
      const answer = racer.waiting.get(message.trial!);
      racer.waiting.delete(message.trial!);
      answer?.resolve(message as RacerAnswer);
    });
  });
  return { racer, ready };
}
