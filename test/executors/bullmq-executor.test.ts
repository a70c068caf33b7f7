import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithService, findRedis } from '@slipway/acceptance/support/services';
import { type RunWalker, SHUTDOWN, SlipwayError, type Store } from '@slipway/domain';
import { BullmqExecutor, BullmqWorker, type BullmqWorkerOptions } from '@slipway/ops';
import {
  describeExecutorContract,
  EngineFixture,
  Gate,
  lostQueue,
  untilAborted,
} from '@slipway/ops/testing/executor-contract';
import { LmdbStore } from '@slipway/persistence';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';

const redis = await findRedis();

/** Tight lock and stall timings so a lost worker's runs come back within seconds in a test. */
const FAST_RECOVERY = { lockDurationMs: 2000, stalledIntervalMs: 500 } as const;

function uniqueQueueName(): string {
  return `slipway-test-${process.pid}-${randomBytes(4).toString('hex')}`;
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeWithService('BullMQ executor', redis, (url) => {
  const dirs: string[] = [];
  const queueNames: string[] = [];
  let admin: Redis;

  beforeEach(() => {
    admin ??= new Redis(url, { maxRetriesPerRequest: null });
  });

  afterAll(async () => {
    await admin?.quit();
  });

  async function openStore(): Promise<Store> {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-bullmq-executor-'));
    dirs.push(dir);
    return LmdbStore.open({ path: join(dir, 'db') });
  }

  /** Removes the test's directories and every key of its queues. */
  async function cleanup(): Promise<void> {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
    for (const name of queueNames.splice(0)) {
      const queue = new Queue(name, { connection: admin });
      await queue.obliterate({ force: true });
      await queue.close();
    }
  }

  function newQueueName(): string {
    const name = uniqueQueueName();
    queueNames.push(name);
    return name;
  }

  let contractQueue = '';
  describeExecutorContract('BullmqExecutor with two BullmqWorkers', {
    openStore: async () => {
      contractQueue = newQueueName();
      return openStore();
    },
    cleanup,
    start: async ({ store, walker }) => {
      const executor = await BullmqExecutor.connect({
        connection: url,
        queueName: contractQueue,
        store,
        // Off, so that what the contract sees comes from recover(), and cancels from pub/sub.
        sweepIntervalMs: 0,
        idleTimeoutMs: 30_000,
      });
      const workerOptions = {
        connection: url,
        queueName: contractQueue,
        store,
        walker,
        concurrency: 1,
        cancelCheckIntervalMs: 0,
        ...FAST_RECOVERY,
      };
      const workers = [await BullmqWorker.start(workerOptions), await BullmqWorker.start(workerOptions)];
      return {
        executor,
        capacity: 2,
        shutdown: async () => {
          await Promise.all(workers.map((worker) => worker.close()));
          await executor.close();
        },
      };
    },
  });

  describe('BullMQ specifics', () => {
    let store: Store;
    let engine: EngineFixture;
    let queueName: string;
    const closers: (() => Promise<void>)[] = [];
    const errors: unknown[] = [];

    beforeEach(async () => {
      store = await openStore();
      engine = new EngineFixture(store);
      queueName = newQueueName();
    });

    afterEach(async () => {
      try {
        for (const close of closers.splice(0).reverse()) await close();
        await store.close();
      } finally {
        errors.length = 0;
        await cleanup();
      }
    });

    async function executor(sweepIntervalMs = 0): Promise<BullmqExecutor> {
      const started = await BullmqExecutor.connect({
        connection: url,
        queueName,
        store,
        sweepIntervalMs,
        idleTimeoutMs: 30_000,
        onError: (_runId, error) => errors.push(error),
      });
      closers.push(() => started.close());
      return started;
    }

    async function worker(options: Partial<BullmqWorkerOptions> & { walker?: RunWalker } = {}) {
      const started = await BullmqWorker.start({
        connection: url,
        queueName,
        store,
        walker: engine.walker(),
        concurrency: 2,
        onError: (_runId, error) => errors.push(error),
        ...FAST_RECOVERY,
        ...options,
      });
      closers.push(() => started.close());
      return started;
    }

    function queue(): Queue {
      const opened = new Queue(queueName, { connection: admin });
      closers.push(() => opened.close());
      return opened;
    }

    it('answers a ping on both sides', async () => {
      await expect((await executor()).ping()).resolves.toBeUndefined();
      await expect((await worker()).ping()).resolves.toBeUndefined();
    });

    it('requeues runs whose jobs Redis lost', async () => {
      const bull = await executor();
      const service = engine.service(bull);
      const requested = await Promise.all(['l1', 'l2', 'l3'].map((name) => engine.buildImage(service, name)));
      const jobs = queue();
      expect((await jobs.getJobCounts('waiting')).waiting).toBe(3);
      await jobs.obliterate({ force: true });
      expect(await jobs.getJobState(requested[0]!.run.id)).toBe('unknown');

      await worker();
      expect(await bull.recover()).toBe(3);
      await bull.idle();
      for (const { image, run } of requested) {
        expect(await store.getRun(run.id)).toMatchObject({ status: 'succeeded', attempt: 1 });
        expect(engine.scripted.callsFor(image.name)).toHaveLength(1);
      }
    });

    it('sweeps on its own: runs that never reached the queue are walked without recover()', async () => {
      await worker();
      await executor(200);
      const requested = await Promise.all(
        ['s1', 's2', 's3'].map((name) => engine.buildImage(engine.service(lostQueue), name)),
      );
      await until(
        async () =>
          (await Promise.all(requested.map(({ run }) => store.getRun(run.id)))).every(
            (run) => run?.status === 'succeeded',
          ),
        'swept runs succeeded',
      );
      for (const { image } of requested) expect(engine.scripted.callsFor(image.name)).toHaveLength(1);
    });

    it('finds a cancel in the store when its announcement never arrived', async () => {
      const bull = await executor();
      await worker({ cancelCheckIntervalMs: 100 });
      engine.scripted.script('quiet', untilAborted);
      const { image, run } = await engine.buildImage(engine.service(bull), 'quiet');
      await engine.scripted.started('quiet');
      // A service whose executor announces nothing: only the store says "cancelling".
      await engine.service(lostQueue).cancelRun(run.id, { id: 'bob', permissions: ['admin'] }, 'silently');
      await bull.idle();
      expect(await store.getRun(run.id)).toMatchObject({ status: 'cancelled', cancelReason: 'silently' });
      expect(engine.scripted.aborts).toEqual([{ resource: 'quiet', reason: 'cancel' }]);
      expect((await engine.transitions(image.id)).at(-1)).toMatchObject({ event: 'CANCEL', actor: 'alice' });
    });

    it('hands the job of a walk stopped by close() straight back to wait', async () => {
      const bull = await executor();
      const first = await worker();
      engine.scripted.script('handed', untilAborted);
      const { run } = await engine.buildImage(engine.service(bull), 'handed');
      await engine.scripted.started('handed');
      expect(first.activeRuns()).toEqual([run.id]);
      await first.close();
      expect(await queue().getJobState(run.id)).toBe('waiting');
      expect(await store.getRun(run.id)).toMatchObject({ status: 'running', attempt: 1 });

      engine.scripted.script('handed', async () => ({ ok: true, outputs: {} }));
      await worker();
      await bull.idle();
      expect(await store.getRun(run.id)).toMatchObject({ status: 'succeeded', attempt: 2 });
      expect(engine.scripted.aborts).toEqual([{ resource: 'handed', reason: SHUTDOWN }]);
    });

    it('stops a walk whose lock Redis lost, and the run resumes from the store', async () => {
      const bull = await executor();
      await worker({ concurrency: 1 });
      const gate = new Gate();
      engine.scripted.script('unlocked', untilAborted);
      const { run } = await engine.buildImage(engine.service(bull), 'unlocked');
      await engine.scripted.started('unlocked');
      engine.scripted.script('unlocked', gate.build);
      // What a lock that lapsed while Redis was away looks like to the worker holding it.
      expect(await admin.del(`bull:${queueName}:${run.id}:lock`)).toBe(1);
      await engine.scripted.started('unlocked', 2);
      gate.open();
      await bull.idle();
      expect(await store.getRun(run.id)).toMatchObject({ status: 'succeeded', attempt: 2 });
      expect(engine.scripted.aborts.slice(0, 1)).toEqual([{ resource: 'unlocked', reason: SHUTDOWN }]);
      expect(engine.scripted.callsFor('unlocked').map((call) => call.attempt)).toEqual([1, 2]);
    });

    it('retries a walk that lost a race to a concurrent writer instead of failing the run', async () => {
      let conflicts = 0;
      const racing = new Proxy(store, {
        get(target, property) {
          const value: unknown = Reflect.get(target, property, target);
          if (property === 'recordTransition' && conflicts === 0) {
            return async () => {
              conflicts += 1;
              throw new SlipwayError('version_conflict', 'another writer moved first');
            };
          }
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const bull = await executor();
      await worker({ walker: engine.walker(racing) });
      const { image, run } = await engine.buildImage(engine.service(bull), 'raced');
      await bull.idle();
      expect(conflicts).toBe(1);
      expect(await store.getRun(run.id)).toMatchObject({ status: 'succeeded' });
      expect((await engine.transitions(image.id)).map((t) => t.seq)).toEqual([1, 2]);
    });
  });
});

describe('BullMQ executor startup', () => {
  let dir: string;
  let store: Store;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-bullmq-startup-'));
    store = await LmdbStore.open({ path: dir });
  });

  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('fails fast, naming REDIS_URL, when no Redis answers; the password stays hidden', async () => {
    const connection = 'redis://ops:s3cret@127.0.0.1:9';
    const refused =
      /^REDIS_URL \(redis:\/\/\*\*\*@127\.0\.0\.1:9\): no Redis server answered \(connect ECONNREFUSED/;
    await expect(BullmqExecutor.connect({ connection, store, connectTimeoutMs: 1000 })).rejects.toThrow(
      refused,
    );
    const walker = new EngineFixture(store).walker();
    const failure = await BullmqWorker.start({ connection, store, walker, connectTimeoutMs: 1000 }).catch(
      (error: unknown) => error as Error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(refused);
    expect((failure as Error).message).not.toContain('s3cret');
  });

  it('refuses a REDIS_URL that is not a Redis URL, saying what it expects', async () => {
    await expect(BullmqExecutor.connect({ connection: 'http://127.0.0.1:6379', store })).rejects.toThrow(
      'REDIS_URL is not a usable Redis URL: "http://127.0.0.1:6379" has the scheme http: (expected redis:// or rediss://)',
    );
  });
});
