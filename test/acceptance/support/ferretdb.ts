import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './cluster-api';
import { pollUntil } from './poll';
import { REPO_ROOT } from './slipway-process';

/** Where scripts/ci-services.sh builds FerretDB; FERRETDB_BIN overrides. */
export const FERRETDB_BIN = process.env.FERRETDB_BIN ?? join(REPO_ROOT, '.tools/bin/ferretdb');

export function ferretdbAvailable(): boolean {
  return existsSync(FERRETDB_BIN);
}

/**
 * A FerretDB of the test's own (SQLite in a temp dir, its own port), so the test can kill and
 * restart it without disturbing suites that share the CI's server.
 */
export class OwnFerretDb {
  private child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<OwnFerretDb> {
    const server = new OwnFerretDb(await freePort(), await mkdtemp(join(tmpdir(), 'slipway-ferretdb-')));
    await server.resume();
    return server;
  }

  /** The SQLite files, for tests that read the raw bytes it stores. */
  get dataDir(): string {
    return join(this.dir, 'data');
  }

  url(database: string): string {
    return `mongodb://127.0.0.1:${this.port}/${database}`;
  }

  /** Starts it (again) on the same port and data, and waits until the port accepts connections. */
  async resume(): Promise<void> {
    await mkdir(join(this.dir, 'data'), { recursive: true });
    this.child = spawn(
      FERRETDB_BIN,
      [
        '--handler=sqlite',
        `--sqlite-url=file:${this.dir}/data/`,
        `--listen-addr=127.0.0.1:${this.port}`,
        '--debug-addr=-',
        '--state-dir=-',
        '--telemetry=disable',
        '--log-level=error',
      ],
      { stdio: 'ignore' },
    );
    await pollUntil(`FerretDB on port ${this.port}`, () => portAnswers(this.port), { timeoutMs: 30_000 });
  }

  /** kill -9: the server vanishes mid-conversation, as a crashed database does. */
  async crash(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await this.crash();
    await rm(this.dir, { recursive: true, force: true });
  }
}

function portAnswers(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(undefined));
  });
}
