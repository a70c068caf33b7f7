import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Executor } from '@slipway/domain';
import { BullmqExecutor, BullmqWorker, InlineExecutor } from '@slipway/ops';
import { ADMIN, EngineFixture } from '@slipway/ops/testing';
import { LmdbStore } from '@slipway/persistence';
import { Queue, Worker } from 'bullmq';

const SPEC = { source: '/src', build: 'make' };

export interface RunsBenchResult {
  runs: number;
  concurrency: number;
  /** Raw BullMQ: add N no-op jobs, a worker with the same concurrency completes them. */
  rawBullmqPerSecond: number | null;
  /** Slipway through BullMQ: N single-step runs (lmdb store, no-op provider), API side and worker in one process. */
  bullmqPerSecond: number | null;
  /** Slipway's inline executor on lmdb, same runs. */
  inlinePerSecond: number;
  ratioBullmqToRaw: number | null;
  skipped: string | null;
}

const GOAL = 0.5;
export const RUNS_RATIO_GOAL = GOAL;

/** N single-step runs (request built, walk pending → building → built) through `executor`. */
async function slipwayRuns(
  runs: number,
  concurrency: number,
  start: (fixture: EngineFixture) => Promise<{ executor: Executor; stop: () => Promise<void> }>,
): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-bench-runs-'));
  const store = await LmdbStore.open({ path: join(dir, 'db') });
  const fixture = new EngineFixture(store);
  const { executor, stop } = await start(fixture);
  try {
    const service = fixture.service(executor);
    // Resources exist beforehand, as jobs do for the baseline: only requesting and walking is timed.
    const images = [];
    for (let index = 0; index < runs; index += 1) {
      images.push(await service.create('image', { name: `bench-${index}`, spec: SPEC }, ADMIN));
    }
    const started = performance.now();
    await inParallel(images, concurrency, (image) =>
      service.requestRun('image', image.id, { target: 'built' }, ADMIN),
    );
    await executor.idle();
    const seconds = (performance.now() - started) / 1000;
    const unfinished = await store.listUnfinishedRuns();
    if (unfinished.length > 0) throw new Error(`${unfinished.length} runs did not finish`);
    return runs / seconds;
  } finally {
    await stop();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function rawBullmq(redisUrl: string, runs: number, concurrency: number): Promise<number> {
  const name = `slipway-bench-raw-${process.pid}-${Date.now()}`;
  const queue = new Queue(name, { connection: { url: redisUrl } });
  let done = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const worker = new Worker(
    name,
    async () => {
      done += 1;
      if (done === runs) finish();
    },
    { connection: { url: redisUrl }, concurrency },
  );
  await worker.waitUntilReady();
  try {
    const started = performance.now();
    for (let index = 0; index < runs; index += 1)
      await queue.add('run', { runId: `r${index}` }, { jobId: `r${index}` });
    await finished;
    return runs / ((performance.now() - started) / 1000);
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

/** `work` over `items` from `lanes` concurrent loops: requests arrive concurrently, as at an API. */
async function inParallel<T>(
  items: readonly T[],
  lanes: number,
  work: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next]!;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}

/**
 * End-to-end runs per second: raw BullMQ (the ceiling), Slipway through BullMQ, Slipway inline.
 * Both sides are fed by as many concurrent producers as there are workers, as concurrent API
 * requests would.
 */
export async function runRunsBench(runs: number, concurrency: number): Promise<RunsBenchResult> {
  const inlinePerSecond = await slipwayRuns(runs, concurrency, async (fixture) => {
    const executor = new InlineExecutor({ walker: fixture.walker(), store: fixture.store, concurrency });
    return { executor, stop: () => executor.close() };
  });
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    return {
      runs,
      concurrency,
      rawBullmqPerSecond: null,
      bullmqPerSecond: null,
      inlinePerSecond,
      ratioBullmqToRaw: null,
      skipped:
        'REDIS_URL is not set: the BullMQ figures need a Redis (bash scripts/ci-services.sh starts one)',
    };
  }
  const rawBullmqPerSecond = await rawBullmq(redisUrl, runs, concurrency);
  const bullmqPerSecond = await slipwayRuns(runs, concurrency, async (fixture) => {
    const queueName = `slipway-bench-${process.pid}-${Date.now()}`;
    const executor = await BullmqExecutor.connect({ connection: redisUrl, queueName, store: fixture.store });
    const worker = await BullmqWorker.start({
      connection: redisUrl,
      queueName,
      store: fixture.store,
      walker: fixture.walker(),
      concurrency,
    });
    return {
      executor,
      stop: async () => {
        await worker.close();
        await executor.close();
      },
    };
  });
  return {
    runs,
    concurrency,
    rawBullmqPerSecond,
    bullmqPerSecond,
    inlinePerSecond,
    ratioBullmqToRaw: bullmqPerSecond / rawBullmqPerSecond,
    skipped: null,
  };
}
