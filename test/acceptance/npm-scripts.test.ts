import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createImage, helloImageSpec, requestBuild, waitForRun } from './support/image-api';
import { OutputBuffer } from './support/output-buffer';
import { pollUntil } from './support/poll';
import { acceptsConnections } from './support/port-probe';
import { killProcessesWithin, processesCarrying, processesWithin } from './support/process-table';
import { describeWithService, findMongo, findRedis, uniqueDatabaseName } from './support/services';
import { ACCEPTANCE_SECRET_KEY, REPO_ROOT, SlipwayProcess, stopAllSlipways } from './support/slipway-process';

/**
 * The README's commands as an operator runs them: `npm start` and `npm run worker` are the
 * processes a supervisor signals, so SIGTERM to *that* pid must stop Slipway gracefully (exit 0,
 * port closed, nothing left serving) and the interrupted run must resume at the next start.
 * Every process a test starts carries a mark in its environment, so an orphan is found whatever
 * it was re-parented to.
 */
const MARK = 'SLIPWAY_PROCESS_TEST_MARK';
const [mongo, redis] = await Promise.all([findMongo(), findRedis()]);
const dataDirs: string[] = [];
const marks: string[] = [];

function newMark(): string {
  const mark = randomUUID();
  marks.push(mark);
  return mark;
}

afterEach(async () => {
  await stopAllSlipways();
  for (const dir of dataDirs.splice(0)) await killProcessesWithin(dir);
  for (const mark of marks.splice(0)) {
    for (const info of await processesCarrying(MARK, mark)) process.kill(info.pid, 'SIGKILL');
  }
});

describe('npm start', () => {
  it('is the server: SIGTERM to its pid exits 0, closes the port, leaves nothing running, and the run resumes at the next start', async () => {
    const mark = newMark();
    const first = await SlipwayProcess.start({ via: 'npm start', env: { [MARK]: mark } });
    dataDirs.push(first.dataDir);
    const image = await createImage(
      first,
      'npm-start',
      helloImageSpec({ build: 'sleep 3 && npm run build' }),
    );
    const run = await requestBuild(first, image.id);
    await waitForRun(first, run.id, (seen) => seen.step === 'build' && seen.status === 'running');

    const exit = await first.kill('SIGTERM');
    expect(exit, first.describe()).toEqual({ code: 0, signal: null });
    expect(await acceptsConnections(first.port), 'the port of the stopped server').toBe(false);
    expect(await processesCarrying(MARK, mark), 'processes of the stopped server').toEqual([]);
    expect(await processesWithin(first.dataDir), 'processes working in its data dir').toEqual([]);

    const second = await SlipwayProcess.start({ via: 'npm start', dataDir: first.dataDir });
    expect(await waitForRun(second, run.id), second.describe()).toMatchObject({
      status: 'succeeded',
      attempt: 2,
      error: null,
    });
  }, 180_000);
});

describe('npm start and SIGINT', () => {
  it('stops as on SIGTERM: exit 0, port closed, nothing left running', async () => {
    const mark = newMark();
    const server = await SlipwayProcess.start({ via: 'npm start', env: { [MARK]: mark } });
    dataDirs.push(server.dataDir);
    expect(await server.kill('SIGINT'), server.describe()).toEqual({ code: 0, signal: null });
    expect(await acceptsConnections(server.port), 'the port of the stopped server').toBe(false);
    expect(await processesCarrying(MARK, mark), 'processes of the stopped server').toEqual([]);
  }, 120_000);
});

interface NpmWorker {
  child: ChildProcessByStdio<null, Readable, Readable>;
  stderr: OutputBuffer;
  healthUrl: string;
}

/** `npm run worker` with its health port picked freely; resolves once it takes jobs. */
async function startNpmWorker(env: Record<string, string>): Promise<NpmWorker> {
  const child = spawn('npm', ['run', 'worker'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      SLIPWAY_SECRET_KEY: ACCEPTANCE_SECRET_KEY,
      ...env,
      SLIPWAY_WORKER_HEALTH_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr = new OutputBuffer();
  child.stdout.resume();
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.append(chunk));
  const healthUrl = await pollUntil(
    'the worker to take jobs',
    async () => {
      if (child.exitCode !== null) throw new Error(`npm run worker exited ${child.exitCode}\n${stderr}`);
      return /walking runs from the queue .*health at (http:\/\/\S+)/.exec(stderr.toString())?.[1];
    },
    { timeoutMs: 90_000, describe: () => stderr.toString() },
  );
  return { child, stderr, healthUrl };
}

describeWithService('npm run worker', mongo, (mongoUrl) => {
  describeWithService('with Redis', redis, (redisUrl) => {
    const workers: NpmWorker[] = [];
    afterAll(() => {
      for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    });

    it('is the worker: SIGTERM to its pid exits 0, closes its health port, leaves nothing running, and the run resumes on the next worker', async () => {
      const database = new URL(mongoUrl);
      database.pathname = `/${uniqueDatabaseName('slipway_npm_worker')}`;
      const env: Record<string, string> = {
        MONGO_URL: database.toString(),
        REDIS_URL: redisUrl,
        SLIPWAY_QUEUE: uniqueDatabaseName('slipway-npm-worker'),
      };
      const server = await SlipwayProcess.start({ env });
      dataDirs.push(server.dataDir);
      Object.assign(env, {
        SLIPWAY_DATA_DIR: server.dataDir,
        SLIPWAY_IMAGE_SOURCE_ROOTS: `${REPO_ROOT}/examples`,
      });
      const mark = newMark();
      const first = await startNpmWorker({ ...env, [MARK]: mark });
      workers.push(first);
      const image = await createImage(
        server,
        'npm-worker',
        helloImageSpec({ build: 'sleep 3 && npm run build' }),
      );
      const run = await requestBuild(server, image.id);
      await waitForRun(server, run.id, (seen) => seen.step === 'build' && seen.status === 'running');

      const exited = once(first.child, 'exit');
      first.child.kill('SIGTERM');
      const [code, signal] = await exited;
      expect({ code, signal }, first.stderr.toString()).toEqual({ code: 0, signal: null });
      const healthPort = Number(new URL(first.healthUrl).port);
      expect(await acceptsConnections(healthPort), "the stopped worker's health port").toBe(false);
      expect(await processesCarrying(MARK, mark), 'processes of the stopped worker').toEqual([]);

      const second = await startNpmWorker(env);
      workers.push(second);
      expect(await waitForRun(server, run.id), second.stderr.toString()).toMatchObject({
        status: 'succeeded',
        attempt: 2,
        error: null,
      });
    }, 180_000);
  });
});
