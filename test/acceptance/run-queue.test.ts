import { type ChildProcess, spawn } from 'node:child_process';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createImage, getImage, helloImageSpec, transitionsOf, waitForRun } from './support/image-api';
import { OutputBuffer } from './support/output-buffer';
import { pollUntil } from './support/poll';
import { killProcessesWithin } from './support/process-table';
import {
  describeWithService,
  findMongo,
  mongoWithOwnRedis,
  type OwnRedis,
  ownRedis,
  uniqueDatabaseName,
} from './support/services';
import { ACCEPTANCE_SECRET_KEY, REPO_ROOT, SlipwayProcess, stopAllSlipways } from './support/slipway-process';

/**
 * The API on the BullMQ executor, with a Redis of this file's own (one test stops it) and real
 * `npm run worker` processes: what an operator sees when no worker consumes the queue, and when
 * the queue is down.
 */
const [mongo, ownRedisLookup] = await Promise.all([findMongo(), ownRedis()]);
const services = mongoWithOwnRedis(mongo, ownRedisLookup);

interface Health {
  status: string;
  checks: Record<string, string>;
  workers?: number;
}

interface QueuedRun {
  id: string;
  status: string;
  queue?: { workers: number; detail: string };
}

const workers: { child: ChildProcess; stderr: OutputBuffer }[] = [];
let redis: OwnRedis | null = null;
let dataDir = '';

afterAll(async () => {
  for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
  if (dataDir) await killProcessesWithin(dataDir);
  await stopAllSlipways();
  await redis?.stop();
});

describeWithService('the run queue, seen through the API', services, (mongoUrl) => {
  let server: SlipwayProcess;
  let env: Record<string, string>;
  let dbName: string;

  beforeAll(async () => {
    if (!ownRedisLookup.found) throw new Error('unreachable: the suite runs only when it can have a Redis');
    redis = await ownRedisLookup.start();
    dbName = uniqueDatabaseName('slipway_queue');
    const database = new URL(mongoUrl);
    database.pathname = `/${dbName}`;
    env = {
      MONGO_URL: database.toString(),
      REDIS_URL: redis.url,
      SLIPWAY_QUEUE: uniqueDatabaseName('slipway-queue'),
      SLIPWAY_WORKER_HEALTH_PORT: '0',
    };
    server = await SlipwayProcess.start({ env });
    dataDir = server.dataDir;
    env.SLIPWAY_DATA_DIR = dataDir;
    env.SLIPWAY_IMAGE_SOURCE_ROOTS = `${REPO_ROOT}/examples`;
  }, 120_000);

  afterAll(async () => {
    const client = await new MongoClient(mongoUrl).connect();
    await client.db(dbName).dropDatabase();
    await client.close();
  });

  function startWorker() {
    const child = spawn(process.execPath, ['--enable-source-maps', 'dist/worker-main.js'], {
      cwd: REPO_ROOT,
      env: { ...process.env, SLIPWAY_SECRET_KEY: ACCEPTANCE_SECRET_KEY, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const stderr = new OutputBuffer();
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.append(chunk));
    workers.push({ child, stderr });
    return pollUntil('the worker to take jobs', async () =>
      /walking runs from the queue/.test(stderr.toString()) ? true : undefined,
    );
  }

  const logs = () => `${server.describe()}\n${workers.map((w) => w.stderr.toString()).join('\n')}`;

  it('stays ready with no worker but says so, and a queued run says no worker consumes its queue', async () => {
    const idle = await server.api<Health>('GET', '/health/ready');
    expect(idle.status, idle.text).toBe(200);
    expect(idle.body).toEqual({
      status: 'ok',
      checks: { store: 'ok (mongodb)', executor: 'ok (bullmq)' },
      workers: 0,
    });

    const image = await createImage(server, 'unconsumed', helloImageSpec());
    const posted = await server.api<QueuedRun>('POST', `/v1/images/${image.id}/runs`, { target: 'built' });
    expect(posted.status, posted.text).toBe(202);
    const queued = await server.api<QueuedRun>('GET', `/v1/runs/${posted.body.id}`);
    expect(queued.body).toMatchObject({ status: 'queued', queue: { workers: 0 } });
    expect(queued.body.queue?.detail).toMatch(/no worker is consuming the queue/i);

    await startWorker();
    // The worker's queue connection may register a moment after it reports that it takes jobs.
    const busy = await pollUntil(
      '/health/ready to count the worker',
      async () => {
        const health = await server.api<Health>('GET', '/health/ready');
        return health.body.workers === 1 ? health : undefined;
      },
      { describe: logs },
    );
    expect(busy.status).toBe(200);
    const ended = await waitForRun(server, posted.body.id);
    expect(ended, logs()).toMatchObject({ status: 'succeeded' });
    const finished = await server.api<QueuedRun>('GET', `/v1/runs/${posted.body.id}`);
    expect(finished.body.queue, 'only a queued run reports its queue').toBeUndefined();
  }, 180_000);

  it('answers 503 queue_unavailable with Retry-After while Redis is down, and stores nothing', async () => {
    const image = await createImage(server, 'no-queue', helloImageSpec());
    const client = await new MongoClient(mongoUrl).connect();
    try {
      const db = client.db(dbName);
      const counts = async () =>
        Object.fromEntries(
          await Promise.all(
            ['changes', 'resources', 'runs', 'transitions', 'idempotency'].map(
              async (name) => [name, await db.collection(name).countDocuments()] as const,
            ),
          ),
        );
      const before = await counts();

      await redis!.stop();
      const refused = await server.api(
        'POST',
        `/v1/images/${image.id}/runs`,
        { target: 'built' },
        { 'idempotency-key': 'build-no-queue' },
      );
      expect(refused.status, refused.text).toBe(503);
      expect(refused.contentType).toContain('application/problem+json');
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(refused.body).toMatchObject({ code: 'queue_unavailable', status: 503 });
      expect(String(refused.body.detail)).toMatch(/REDIS_URL .*nothing was stored/);

      expect(await counts()).toEqual(before);
      expect(await getImage(server, image.id)).toMatchObject({
        state: 'pending',
        activeRunId: null,
        version: image.version,
      });
      expect(await transitionsOf(server, image.id)).toEqual([]);
    } finally {
      await client.close();
    }
  }, 120_000);
});
