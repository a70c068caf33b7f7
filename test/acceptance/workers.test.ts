import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createImage, helloImageSpec, transitionsOf, waitForRun } from './support/image-api';
import { OutputBuffer } from './support/output-buffer';
import { pollUntil } from './support/poll';
import { killProcessesWithin } from './support/process-table';
import { describeWithService, findMongo, findRedis, uniqueDatabaseName } from './support/services';
import { ACCEPTANCE_SECRET_KEY, REPO_ROOT, SlipwayProcess, stopAllSlipways } from './support/slipway-process';

/**
 * The production shape on real processes: the API with MONGO_URL and REDIS_URL queues runs, two
 * `npm run worker` processes walk them. Driven over HTTP only.
 */
const [mongo, redis] = await Promise.all([findMongo(), findRedis()]);

interface WorkerChild {
  child: ChildProcess;
  stderr: OutputBuffer;
  exited: Promise<number | null>;
}

const workers: WorkerChild[] = [];
let dataDir = '';

function startWorker(env: Record<string, string>): WorkerChild {
  const child = spawn(process.execPath, ['--enable-source-maps', 'dist/worker-main.js'], {
    cwd: REPO_ROOT,
    env: { ...process.env, SLIPWAY_SECRET_KEY: ACCEPTANCE_SECRET_KEY, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr = new OutputBuffer();
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.append(chunk));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const worker = { child, stderr, exited };
  workers.push(worker);
  return worker;
}

afterAll(async () => {
  for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
  if (dataDir) await killProcessesWithin(dataDir);
  await stopAllSlipways();
});

describeWithService('API and workers on MongoDB and Redis', mongo, (mongoUrl) => {
  describeWithService('with Redis', redis, (redisUrl) => {
    let server: SlipwayProcess;
    let env: Record<string, string>;

    beforeAll(async () => {
      const database = new URL(mongoUrl);
      database.pathname = `/${uniqueDatabaseName('slipway_workers')}`;
      env = {
        MONGO_URL: database.toString(),
        REDIS_URL: redisUrl,
        SLIPWAY_QUEUE: uniqueDatabaseName('slipway-accept'),
        SLIPWAY_WORKER_HEALTH_PORT: '0',
      };
      server = await SlipwayProcess.start({ env });
      dataDir = server.dataDir;
      env.SLIPWAY_DATA_DIR = dataDir;
      env.SLIPWAY_IMAGE_SOURCE_ROOTS = `${REPO_ROOT}/examples`;
      for (let index = 0; index < 2; index += 1) {
        const worker = startWorker(env);
        await pollUntil(`worker ${index} to take jobs`, async () =>
          /walking runs from the queue/.test(worker.stderr.toString()) ? true : undefined,
        );
      }
    }, 120_000);

    it('reports both backends ready and both workers consuming', async () => {
      // A worker's queue connection may register a moment after it reports that it takes jobs.
      const ready = await pollUntil('/health/ready to count both workers', async () => {
        const health = await server.api('GET', '/health/ready');
        return health.body.workers === 2 ? health : undefined;
      });
      expect(ready.body).toEqual({
        status: 'ok',
        checks: { store: 'ok (mongodb)', executor: 'ok (bullmq)' },
        workers: 2,
      });
    });

    it('builds images on the workers: every run succeeds with one transition per state change', async () => {
      const runs: string[] = [];
      for (let index = 0; index < 6; index += 1) {
        const image = await createImage(
          server,
          `worker-${index}`,
          helloImageSpec({ version: `1.0.${index}` }),
        );
        const run = await server.api<{ id: string }>('POST', `/v1/images/${image.id}/runs`, {
          target: 'built',
        });
        expect(run.status, run.text).toBe(202);
        runs.push(run.body.id);
      }
      for (const runId of runs) {
        const run = await waitForRun(server, runId);
        expect(
          run,
          `${server.describe()}\n${workers.map((w) => w.stderr.toString()).join('\n')}`,
        ).toMatchObject({
          status: 'succeeded',
        });
        expect((await transitionsOf(server, run.resourceId)).map((t) => `${t.from}>${t.to}`)).toEqual([
          'pending>building',
          'building>built',
        ]);
      }
    }, 120_000);

    it('cancels a build running in a worker process, and a worker leaves on SIGTERM with exit 0', async () => {
      const image = await createImage(
        server,
        'worker-slow',
        helloImageSpec({ build: 'sleep 60 && npm run build' }),
      );
      const run = await server.api<{ id: string }>('POST', `/v1/images/${image.id}/runs`, {
        target: 'built',
      });
      await waitForRun(server, run.body.id, (seen) => seen.status === 'running' && seen.step === 'build');
      const cancel = await server.api('POST', `/v1/runs/${run.body.id}/cancel`, { reason: 'too slow' });
      expect(cancel.status, cancel.text).toBe(202);
      expect(await waitForRun(server, run.body.id)).toMatchObject({ status: 'cancelled' });
      expect((await transitionsOf(server, image.id)).at(-1)).toMatchObject({
        event: 'CANCEL',
        to: 'pending',
      });

      const leaving = workers[0]!;
      leaving.child.kill('SIGTERM');
      expect(await leaving.exited).toBe(0);
    }, 120_000);
  });
});
