import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Finds the real services a suite talks to: the URL in the environment when set; else a container
 * started with testcontainers when a Docker engine answers; else none, with the reason. A suite
 * without its service is skipped with that reason printed, except under CI=true, where it fails.
 */
export type ServiceLookup = { found: true; url: string; origin: string } | { found: false; reason: string };

const MONGO_IMAGE = 'mongo:7.0';

/** A MongoDB-protocol server: MONGO_URL, else a single-node `mongo` replica set in a container. */
export async function findMongo(): Promise<ServiceLookup> {
  const fromEnv = process.env.MONGO_URL;
  if (fromEnv) return { found: true, url: fromEnv, origin: 'MONGO_URL' };
  const engine = await dockerEngine();
  if (!engine.found) {
    return {
      found: false,
      reason: `MONGO_URL is not set and ${engine.reason}; set MONGO_URL (bash scripts/ci-services.sh starts FerretDB and prints it)`,
    };
  }
  // Loaded only here: testcontainers is large, and most runs get their services from the environment.
  const { MongoDBContainer } = await import('@testcontainers/mongodb');
  const container = await new MongoDBContainer(MONGO_IMAGE).start();
  afterAll(async () => {
    await container.stop();
  });
  // The replica set advertises the container's own host name; connect to the mapped port directly.
  return {
    found: true,
    url: `${container.getConnectionString()}/?directConnection=true`,
    origin: `testcontainers ${MONGO_IMAGE}`,
  };
}

const REDIS_IMAGE = 'redis:7';
/** As production runs it for BullMQ, and as scripts/ci-services.sh starts it: AOF, noeviction. */
const REDIS_ARGS = ['--appendonly', 'yes', '--maxmemory-policy', 'noeviction', '--save', ''];

/** A Redis: REDIS_URL, else a `redis` container. */
export async function findRedis(): Promise<ServiceLookup> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) return { found: true, url: fromEnv, origin: 'REDIS_URL' };
  const engine = await dockerEngine();
  if (!engine.found) {
    return {
      found: false,
      reason: `REDIS_URL is not set and ${engine.reason}; set REDIS_URL (bash scripts/ci-services.sh starts Redis and prints it)`,
    };
  }
  const container = await startRedisContainer();
  afterAll(() => container.stop());
  return { found: true, url: container.url, origin: `testcontainers ${REDIS_IMAGE}` };
}

/** A Redis that a test may stop and start again, keeping its data (AOF), as in a Redis restart. */
export interface OwnRedis {
  url: string;
  /** Where its AOF lives, for tests that read its raw bytes; unknown for a container. */
  dataDir?: string;
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export type OwnRedisLookup =
  | { found: true; origin: string; start(): Promise<OwnRedis> }
  | { found: false; reason: string };

/**
 * A Redis of the test file's own, so that restarting it disturbs no other file running meanwhile:
 * a redis-server child process on a free port with its AOF in a temp directory when redis-server
 * is on PATH (bash scripts/ci-services.sh installs it), else a container. Nothing starts until the
 * suite calls `start()` (in a `beforeAll`), so a skipped suite leaves nothing running.
 */
export async function ownRedis(): Promise<OwnRedisLookup> {
  if (await hasRedisServer()) return { found: true, origin: 'redis-server', start: startLocalRedis };
  const engine = await dockerEngine();
  if (!engine.found) {
    return {
      found: false,
      reason: `redis-server is not on PATH and ${engine.reason}; bash scripts/ci-services.sh installs redis-server`,
    };
  }
  return { found: true, origin: `testcontainers ${REDIS_IMAGE}`, start: startRedisContainer };
}

/**
 * A MongoDB-protocol server and a Redis of the file's own as one lookup for `describeWithService`:
 * found when both are, else the reasons of whichever is missing.
 */
export function mongoWithOwnRedis(mongo: ServiceLookup, redis: OwnRedisLookup): ServiceLookup {
  if (!mongo.found || !redis.found) {
    return { found: false, reason: [mongo, redis].flatMap((s) => (s.found ? [] : [s.reason])).join('; ') };
  }
  return { found: true, url: mongo.url, origin: `${mongo.origin} + ${redis.origin}` };
}

async function hasRedisServer(): Promise<boolean> {
  return promisify(execFile)('redis-server', ['--version']).then(
    () => true,
    () => false,
  );
}

async function startLocalRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'slipway-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...REDIS_ARGS];
  let server = spawn('redis-server', args, { stdio: 'ignore' });
  const stop = async () => {
    await stopRedis(server);
    await rm(dir, { recursive: true, force: true });
  };
  await untilRedisAnswers(url).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return {
    url,
    dataDir: dir,
    restart: async (downMs = 0) => {
      await stopRedis(server);
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      server = spawn('redis-server', args, { stdio: 'ignore' });
      await untilRedisAnswers(url);
    },
    stop,
  };
}

/** SIGTERM is Redis's shutdown: it writes out its AOF, then exits. */
async function stopRedis(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = once(server, 'exit');
  server.kill('SIGTERM');
  await exited;
}

async function startRedisContainer(): Promise<OwnRedis> {
  const { GenericContainer, Wait } = await import('testcontainers');
  // A fixed host port, so the URL still holds after a restart of the container.
  const port = await freePort();
  const container = await new GenericContainer(REDIS_IMAGE)
    .withCommand(['redis-server', ...REDIS_ARGS])
    .withExposedPorts({ container: 6379, host: port })
    .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
    .start();
  const url = `redis://${container.getHost()}:${port}`;
  return {
    url,
    restart: async () => {
      await container.restart();
      await untilRedisAnswers(url);
    },
    stop: async () => {
      await container.stop();
    },
  };
}

async function untilRedisAnswers(url: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0 });
    client.on('error', () => {});
    const answered = await client
      .connect()
      .then(() => client.ping())
      .then(
        () => true,
        () => false,
      );
    client.disconnect();
    if (answered) return;
    if (Date.now() > deadline) throw new Error(`Redis at ${url} did not answer within 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

async function dockerEngine(): Promise<{ found: true } | { found: false; reason: string }> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return { found: true };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { found: false, reason: `no Docker engine answers (${detail})` };
  }
}

/**
 * `describe` for a suite that needs a service. Without it: skipped with the reason on stderr, or,
 * under CI=true, one failing test carrying the reason so the run cannot pass by skipping.
 */
export function describeWithService(name: string, lookup: ServiceLookup, body: (url: string) => void): void {
  if (lookup.found) {
    describe(name, () => body(lookup.url));
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('has its service (required under CI=true)', () => {
        expect.fail(lookup.reason);
      });
    });
    return;
  }
  process.stderr.write(`${name}: skipped: ${lookup.reason}\n`);
  describe.skip(name, () => body(''));
}

/**
 * A database name no other test file or run uses, so files can run in parallel against one
 * server. Kept short and plain: FerretDB's SQLite backend names a file after each database.
 */
export function uniqueDatabaseName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}
