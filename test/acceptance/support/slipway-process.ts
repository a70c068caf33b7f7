import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { OutputBuffer } from './output-buffer';
import { pollUntil } from './poll';
import { killProcessesWithin, processesCarrying } from './process-table';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const EXAMPLES_DIR = join(REPO_ROOT, 'examples');
export const HELLO_APP = join(EXAMPLES_DIR, 'hello-app');
export const ACCEPTANCE_TOKEN = 'acceptance-admin-token-0123456789';
/** The key secrets are sealed under in acceptance runs: API and workers of one test must share it. */
export const ACCEPTANCE_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

export type JsonObject = Record<string, unknown>;

export interface ApiResponse<T = JsonObject> {
  status: number;
  headers: Headers;
  contentType: string;
  /** Parsed JSON when the server sent JSON, else undefined (see `text`). */
  body: T;
  text: string;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartOptions {
  /** Reuse a data dir (e.g. to restart after a crash); by default a fresh temp dir is created and removed at cleanup. */
  dataDir?: string;
  /** Directories image sources must live under. @defaultValue the repo's `examples` dir */
  imageSourceRoots?: string[];
  /**
   * The admin token it is started with; `null` starts it as a newcomer does, without one, and takes
   * the token it prints on its first start. @defaultValue ACCEPTANCE_TOKEN
   */
  token?: string | null;
  /** Extra or overriding environment for the server. */
  env?: Record<string, string>;
  /** Bounds the wait for /health/ready. @defaultValue 90 s */
  readyTimeoutMs?: number;
  /**
   * `node`: the compiled entry point, as the image runs it; `npm start`: the README's command, so
   * the child is npm and signals go through it. @defaultValue 'node'
   */
  via?: 'node' | 'npm start';
}

/** The compiled server (test/support/build-programs.ts builds it before the tests start). */
export const SERVER_PROGRAM = ['--enable-source-maps', 'dist/main.js'];

// Backends a test opts into through `env`; a developer's shell or CI sets them for other suites.
const FOREIGN_BACKEND_VARS = ['MONGO_URL', 'REDIS_URL', 'AWS_REGION', 'AWS_ENDPOINT_URL'];

/** What main.ts prints on a first start without SLIPWAY_ADMIN_TOKEN. */
const PRINTED_TOKEN = /admin token \(shown once[^\n]*\n\n {2}(\S+)\n/;

const started = new Set<SlipwayProcess>();
const ownedDirs = new Set<string>();

type ServerChild = ChildProcessByStdio<null, Readable, Readable>;

/** Slipway as a real child process (`node dist/main.js`, or `npm start`), driven over HTTP. */
export class SlipwayProcess {
  readonly stdout = new OutputBuffer();
  readonly stderr = new OutputBuffer();
  /** pino lines at level error or above, kept apart so request chatter cannot push them out of the tail. */
  readonly errorLogs = new OutputBuffer();
  private partialLine = '';
  private exitInfo: ExitInfo | null = null;
  private readonly exited: Promise<ExitInfo>;
  private portValue: number | null = null;

  private constructor(
    private readonly child: ServerChild,
    readonly dataDir: string,
    /** Set once after start when the server generated it. */
    public token: string,
  ) {
    this.exited = new Promise((done) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        done(this.exitInfo);
      });
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout.append(chunk);
      // Read as it comes, before request logs could push it out of the kept tail.
      if (!this.token) this.token = PRINTED_TOKEN.exec(this.stdout.toString())?.[1] ?? '';
      this.collectErrorLogs(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr.append(chunk);
      this.portValue ??= listeningPort(this.stderr.toString());
    });
  }

  static async start(options: StartOptions = {}): Promise<SlipwayProcess> {
    const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'slipway-acceptance-')));
    if (!options.dataDir) ownedDirs.add(dataDir);
    const token = options.token === undefined ? ACCEPTANCE_TOKEN : options.token;
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of FOREIGN_BACKEND_VARS) delete env[name];
    delete env.SLIPWAY_ADMIN_TOKEN;
    Object.assign(env, {
      PORT: '0',
      HOST: '127.0.0.1',
      SLIPWAY_DATA_DIR: dataDir,
      ...(token === null ? {} : { SLIPWAY_ADMIN_TOKEN: token }),
      SLIPWAY_IMAGE_SOURCE_ROOTS: (options.imageSourceRoots ?? [EXAMPLES_DIR]).join(':'),
      LOG_LEVEL: 'info',
      // A MongoDB deployment refuses to start without one; the embedded default would make its own.
      ...(options.env?.MONGO_URL ? { SLIPWAY_SECRET_KEY: ACCEPTANCE_SECRET_KEY } : {}),
      ...options.env,
    });
    const [command, args] =
      options.via === 'npm start' ? ['npm', ['start']] : [process.execPath, SERVER_PROGRAM];
    const child = spawn(command, args, {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new SlipwayProcess(child, dataDir, token ?? '');
    started.add(server);
    await server.waitUntilReady(options.readyTimeoutMs ?? 90_000);
    if (token === null) {
      await pollUntil('the admin token printed at first start', async () => server.token || undefined);
    }
    return server;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get port(): number {
    if (this.portValue === null)
      throw new Error(`the server has not logged its port yet\n${this.describe()}`);
    return this.portValue;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get exit(): ExitInfo | null {
    return this.exitInfo;
  }

  /** One request with the admin token; JSON in, JSON (or text) out. Never throws on an HTTP status. */
  async api<T = JsonObject>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const requestHeaders: Record<string, string> = { authorization: `Bearer ${this.token}`, ...headers };
    if (body !== undefined) requestHeaders['content-type'] ??= 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: requestHeaders,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? '';
    const parsed: unknown = /json/.test(contentType) && text.length > 0 ? JSON.parse(text) : undefined;
    return { status: response.status, headers: response.headers, contentType, body: parsed as T, text };
  }

  /** Sends `signal` to the server process only (not its children) and waits for it to exit. */
  async kill(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<ExitInfo> {
    if (this.exitInfo) return this.exitInfo;
    this.child.kill(signal);
    const timer = new Promise<null>((done) => setTimeout(() => done(null), timeoutMs).unref());
    const exit = await Promise.race([this.exited, timer]);
    if (exit) return exit;
    this.child.kill('SIGKILL');
    const forced = await this.exited;
    throw new Error(
      `the server ignored ${signal} for ${timeoutMs} ms and was SIGKILLed (${JSON.stringify(forced)})\n${this.describe()}`,
    );
  }

  /** Exit status and the tail of both streams, for failure messages. */
  describe(): string {
    const state = this.exitInfo ? `exited ${JSON.stringify(this.exitInfo)}` : 'running';
    return [
      `--- slipway pid ${this.child.pid} (${state}), data dir ${this.dataDir}`,
      `--- stdout:\n${this.stdout.toString()}`,
      `--- stderr:\n${this.stderr.toString()}`,
      `--- error-level log lines:\n${this.errorLogs.toString()}`,
    ].join('\n');
  }

  private collectErrorLogs(chunk: string): void {
    const lines = `${this.partialLine}${chunk}`.split('\n');
    this.partialLine = lines.pop() ?? '';
    for (const line of lines) {
      if (/^\{"level":([5-9]\d)\b/.test(line)) this.errorLogs.append(`${line}\n`);
    }
  }

  private async waitUntilReady(timeoutMs: number): Promise<void> {
    let settled = false;
    // An exit before ready is final: fail at once instead of polling a dead server until the deadline.
    const exitedEarly = this.exited.then((info) =>
      settled
        ? undefined
        : Promise.reject(
            new Error(`the server exited ${JSON.stringify(info)} before it was ready\n${this.describe()}`),
          ),
    );
    exitedEarly.catch(() => {}); // the race below reports it; this only marks it handled
    const ready = pollUntil(
      'GET /health/ready to answer 200',
      async () => {
        if (this.portValue === null) return undefined;
        const response = await fetch(`${this.baseUrl}/health/ready`);
        await response.body?.cancel();
        return response.status === 200 ? true : undefined;
      },
      { timeoutMs, intervalMs: 100, describe: () => this.describe() },
    );
    try {
      await Promise.race([ready, exitedEarly]);
    } catch (error) {
      if (!this.exitInfo) await this.kill('SIGKILL');
      throw error;
    } finally {
      settled = true;
      ready.catch(() => {}); // lost the race to an exit: already reported
    }
  }
}

function listeningPort(stderr: string): number | null {
  const match = /slipway: listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
  return match ? Number(match[1]) : null;
}

/**
 * Stops every server started by this test file that is still alive (SIGTERM, then SIGKILL), then
 * removes the data dirs it created. Call from afterEach/afterAll so a failing test leaks nothing.
 */
export async function stopAllSlipways(): Promise<void> {
  const servers = [...started];
  const alive = servers.filter((server) => server.exit === null);
  started.clear();
  await Promise.all(
    alive.map((server) =>
      server.kill('SIGTERM', 15_000).catch((error: unknown) => {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      }),
    ),
  );
  // Balancers and instances are detached on purpose, and workers a test started itself carry the
  // data directory only in their environment: none of them may outlive the test that made them.
  for (const dir of new Set(servers.map((server) => server.dataDir))) {
    await killProcessesWithin(dir);
    for (const info of await processesCarrying('SLIPWAY_DATA_DIR', dir)) {
      try {
        process.kill(info.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  const dirs = [...ownedDirs];
  ownedDirs.clear();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}
