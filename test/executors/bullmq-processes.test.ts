import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  describeWithService,
  findMongo,
  mongoWithOwnRedis,
  type OwnRedis,
  ownRedis,
  uniqueDatabaseName,
} from '@slipway/acceptance/support/services';
import {
  assembleEngine,
  bindKind,
  imageKind,
  type Principal,
  type ResourceService,
  type Run,
} from '@slipway/domain';
import { BullmqExecutor } from '@slipway/ops';
import { effectLedgerProvider, HOLD_LABEL, type LedgerEntry, readLedger } from '@slipway/ops/testing';
import { MongoStore } from '@slipway/persistence';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { monotonicFactory } from 'ulid';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it, onTestFailed } from 'vitest';
import type { WorkerProcessConfig } from './support/worker-process-config';
import { type WorkerProcess, WorkerProcesses } from './support/worker-processes';

const ADMIN: Principal = { id: 'alice', permissions: ['admin'] };
const SPEC = { source: '/src', build: 'make' };

// A Redis of this file's own: one test restarts it, which must not disturb other files meanwhile.
const [mongo, ownRedisLookup] = await Promise.all([findMongo(), ownRedis()]);
const services = mongoWithOwnRedis(mongo, ownRedisLookup);

describeWithService('BullMQ executor across worker processes', services, (mongoUrl) => {
  const workers = new WorkerProcesses();
  let redis: OwnRedis | null = null;
  let redisUrl = '';

  beforeAll(async () => {
    if (!ownRedisLookup.found) throw new Error('unreachable: the suite runs only when it can have a Redis');
    redis = await ownRedisLookup.start();
    redisUrl = redis.url;
  });

  afterAll(async () => {
    await redis?.stop();
  });

  let dir: string;
  let dbName: string;
  let queueName: string;
  let store: MongoStore;
  let executor: BullmqExecutor;
  let service: ResourceService;
  let ledgerFile: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-bullmq-processes-'));
    ledgerFile = join(dir, 'ledger.jsonl');
    dbName = uniqueDatabaseName('bullmq_processes');
    queueName = `slipway-processes-${randomBytes(4).toString('hex')}`;
    store = await MongoStore.open({ url: mongoUrl, dbName });
    // The API side: it queues runs and sweeps, in this process; the walking is done elsewhere.
    executor = await BullmqExecutor.connect({
      connection: redisUrl,
      queueName,
      store,
      sweepIntervalMs: 1000,
      idleTimeoutMs: 90_000,
    });
    const id = monotonicFactory();
    service = assembleEngine({
      store,
      bindings: [
        bindKind(imageKind, effectLedgerProvider({ ledgerFile, beforeEffectMs: 0, afterEffectMs: 0 })),
      ],
      newId: () => id(),
    }).service(executor);
    onTestFailed(() => {
      process.stderr.write(`${workers.stderr()}\n`);
    });
  });

  afterEach(async () => {
    await workers.killAll();
    await executor.close();
    await store.close();
    const admin = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(queueName, { connection: admin });
    await queue.obliterate({ force: true });
    await queue.close();
    await admin.quit();
    const client = await new MongoClient(mongoUrl).connect();
    await client.db(dbName).dropDatabase();
    await client.close();
    await rm(dir, { recursive: true, force: true });
  });

  function workerConfig(overrides: Partial<WorkerProcessConfig> = {}): WorkerProcessConfig {
    return {
      mongoUrl,
      dbName,
      redisUrl,
      queueName,
      concurrency: 5,
      // A killed worker's runs come back after its lock lapses: seconds here, 30 s by default.
      lockDurationMs: 3000,
      stalledIntervalMs: 500,
      cancelCheckIntervalMs: 500,
      ledger: { ledgerFile, beforeEffectMs: 100, afterEffectMs: 600 },
      ...overrides,
    };
  }

  async function requestBuilds(count: number, prefix: string): Promise<Run[]> {
    const runs: Run[] = [];
    for (let i = 0; i < count; i++) {
      const image = await service.create('image', { name: `${prefix}${i}`, spec: SPEC }, ADMIN);
      runs.push(await service.requestRun('image', image.id, { target: 'built' }, ADMIN));
    }
    return runs;
  }

  async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs}ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Every run succeeded, with exactly one transition record per state change of its resource. */
  async function expectAllBuiltOnce(runs: Run[]): Promise<void> {
    for (const run of runs) {
      expect(await store.getRun(run.id)).toMatchObject({ status: 'succeeded' });
      const transitions = (await store.listTransitions({ resourceId: run.resourceId, limit: 10 })).items;
      expect(transitions.map((t) => [t.seq, t.from, t.to, t.event, t.runId])).toEqual([
        [1, 'pending', 'building', 'BUILD', run.id],
        [2, 'building', 'built', 'SUCCESS', run.id],
      ]);
      expect(await store.getResource(run.resourceId)).toMatchObject({
        state: 'built',
        seq: 2,
        activeRunId: null,
      });
    }
  }

  /** The ledger's effects, by token: the test provider makes one only when the token has none. */
  function effectsByToken(ledger: LedgerEntry[]): Map<string, LedgerEntry[]> {
    const byToken = new Map<string, LedgerEntry[]>();
    for (const entry of ledger.filter((e) => e.kind === 'effect')) {
      byToken.set(entry.token, [...(byToken.get(entry.token) ?? []), entry]);
    }
    return byToken;
  }

  it('loses no run and repeats no effect when a worker is killed with 50 runs in flight', async () => {
    const [a, b] = (await Promise.all([workers.start(workerConfig()), workers.start(workerConfig())])) as [
      WorkerProcess,
      WorkerProcess,
    ];
    const runs = await requestBuilds(50, 'img');
    // Kill A right after one of its steps made its effect and before that step could answer:
    // the retry elsewhere must find the effect by its token, not make a second one.
    await until(() => {
      const ledger = readLedger(ledgerFile);
      const doneByA = new Set(ledger.filter((e) => e.kind === 'done' && e.pid === a.pid).map((e) => e.token));
      return ledger.some((e) => e.kind === 'effect' && e.pid === a.pid && !doneByA.has(e.token));
    }, 'worker A made an effect');
    await workers.kill(a);

    await executor.idle();
    await expectAllBuiltOnce(runs);
    const ledger = readLedger(ledgerFile);
    const effects = effectsByToken(ledger);
    expect([...effects.keys()].sort()).toEqual(runs.map((run) => `${run.id}:build`).sort());
    expect([...effects.values()].filter((made) => made.length !== 1)).toEqual([]);

    // Steps A had started and not finished were retried by B, with the same token, attempt 2.
    const calls = ledger.filter((e) => e.kind === 'call');
    const retried = [...new Set(calls.filter((e) => e.pid === a.pid).map((e) => e.token))].filter((token) =>
      calls.some((e) => e.pid === b.pid && e.token === token),
    );
    const effectBeforeKill = retried.filter((token) => effects.get(token)![0]!.pid === a.pid);
    expect(effectBeforeKill.length).toBeGreaterThan(0);
    for (const token of retried) {
      expect(calls.filter((e) => e.token === token).map((e) => [e.pid, e.attempt])).toEqual([
        [a.pid, 1],
        [b.pid, 2],
      ]);
    }
    for (const token of effectBeforeKill) {
      expect(effects.get(token)!.map((e) => e.pid)).toEqual([a.pid]);
    }
  }, 120_000);

  it('hands the runs of a worker stopped with SIGTERM straight back to the queue', async () => {
    // Steps that would take a minute after their effect: only a hand-back lets them finish soon.
    const slow = { ledgerFile, beforeEffectMs: 50, afterEffectMs: 60_000 };
    const stopping = await workers.start(workerConfig({ concurrency: 2, ledger: slow }));
    const runs = await requestBuilds(2, 'term');
    const tokens = runs.map((run) => `${run.id}:build`);
    await until(
      () =>
        tokens.every((token) => readLedger(ledgerFile).some((e) => e.kind === 'effect' && e.token === token)),
      'both builds made their effect',
    );
    const exited = once(stopping.child, 'exit');
    stopping.child.kill('SIGTERM');
    expect(await exited).toEqual([0, null]);
    const admin = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const jobs = new Queue(queueName, { connection: admin });
    try {
      expect(await Promise.all(runs.map((run) => jobs.getJobState(run.id)))).toEqual(['waiting', 'waiting']);
    } finally {
      await jobs.close();
      await admin.quit();
    }
    for (const run of runs)
      expect(await store.getRun(run.id)).toMatchObject({ status: 'running', attempt: 1 });

    const taking = await workers.start(workerConfig());
    await executor.idle();
    await expectAllBuiltOnce(runs);
    const ledger = readLedger(ledgerFile);
    for (const token of tokens) {
      expect(
        ledger.filter((e) => e.token === token).map((e) => [e.kind, e.pid, e.attempt, e.reason]),
      ).toEqual([
        ['call', stopping.pid, 1, undefined],
        ['effect', stopping.pid, 1, undefined],
        ['abort', stopping.pid, 1, 'shutdown'],
        ['call', taking.pid, 2, undefined],
        ['done', taking.pid, 2, undefined],
      ]);
    }
  }, 90_000);

  it('cancels a run queued behind a busy worker, and one running in another worker process', async () => {
    // Cancel checks in the store are off: the cancel must arrive through Redis pub/sub.
    const worker = await workers.start(workerConfig({ concurrency: 1, cancelCheckIntervalMs: 0 }));
    const held = await service.create(
      'image',
      { name: 'held', spec: SPEC, labels: { [HOLD_LABEL]: 'yes' } },
      ADMIN,
    );
    const running = await service.requestRun('image', held.id, { target: 'built' }, ADMIN);
    const token = `${running.id}:build`;
    await until(
      () => readLedger(ledgerFile).some((e) => e.kind === 'call' && e.token === token),
      'the held build started',
    );
    const [queued] = await requestBuilds(1, 'behind');
    expect(await store.getRun(queued!.id)).toMatchObject({ status: 'queued' });

    expect(await service.cancelRun(queued!.id, ADMIN, 'not needed')).toMatchObject({ status: 'cancelled' });
    expect(await service.cancelRun(running.id, ADMIN, 'stop it')).toMatchObject({ status: 'cancelling' });
    await executor.idle();

    expect(await store.getRun(running.id)).toMatchObject({ status: 'cancelled', cancelReason: 'stop it' });
    expect(await store.getRun(queued!.id)).toMatchObject({ status: 'cancelled', cancelReason: 'not needed' });
    const ledger = readLedger(ledgerFile);
    expect(ledger.map((e) => [e.kind, e.token, e.pid, e.reason])).toEqual([
      ['call', token, worker.pid, undefined],
      ['abort', token, worker.pid, 'cancel'],
      ['cleanup', token, worker.pid, undefined],
    ]);
    const transitions = (await store.listTransitions({ runId: running.id, limit: 10 })).items;
    expect(transitions.map((t) => [t.from, t.to, t.event, t.outcome])).toEqual([
      ['pending', 'building', 'BUILD', 'requested'],
      ['building', 'pending', 'CANCEL', 'cancelled'],
    ]);
    expect(await store.listTransitions({ runId: queued!.id, limit: 10 })).toMatchObject({ items: [] });
    expect(await store.getResource(queued!.resourceId)).toMatchObject({
      state: 'pending',
      activeRunId: null,
    });
  }, 90_000);

  it('finishes every run when Redis restarts mid-batch', async () => {
    await Promise.all([workers.start(workerConfig()), workers.start(workerConfig())]);
    const runs = await requestBuilds(40, 'restart');
    await until(
      () => readLedger(ledgerFile).filter((e) => e.kind === 'done').length >= 10,
      'a quarter of the batch built',
    );
    expect((await store.listUnfinishedRuns()).length).toBeGreaterThan(0);
    await redis!.restart(1000);

    await executor.idle();
    await expectAllBuiltOnce(runs);
    const effects = effectsByToken(readLedger(ledgerFile));
    expect(effects.size).toBe(runs.length);
    expect([...effects.values()].filter((made) => made.length !== 1)).toEqual([]);
  }, 120_000);
  it('fails a run whose step kills its worker at every start once the attempt limit is used up', async () => {
    // One more death than BullMQ tolerates stalls (maxStalledCount 3): BullMQ fails the job after
    // the fourth, and the sweeper must queue the unfinished run again for the limit to be reached.
    const limit = 4;
    const crashing = workerConfig({ fault: 'step:image.build', maxAttempts: limit });
    const [run] = await requestBuilds(1, 'crash');
    // Each worker takes the job, records the attempt and dies at the step; the next one gets the
    // job back once the dead one's lock lapses.
    for (let attempt = 1; attempt <= limit; attempt++) {
      expect(await workers.runUntilExit(crashing)).toEqual({ code: null, signal: 'SIGKILL' });
      expect(await store.getRun(run!.id)).toMatchObject({ status: 'running', step: 'build', attempt });
    }

    const survivor = await workers.start(crashing);
    await executor.idle();
    expect(survivor.child.exitCode, 'the worker must not die at the exhausted step').toBeNull();
    expect(survivor.child.signalCode).toBeNull();
    const ended = await store.getRun(run!.id);
    expect(ended).toMatchObject({
      status: 'failed',
      step: 'build',
      attempt: limit,
      error: { code: 'attempts_exhausted' },
    });
    expect(ended?.error?.message).toMatch(/"build" was started 4 times .*limit is 4/);
    const transitions = (await store.listTransitions({ resourceId: run!.resourceId, limit: 10 })).items;
    expect(transitions.map((t) => [t.seq, t.from, t.to, t.event, t.outcome, t.attempt, t.runId])).toEqual([
      [1, 'pending', 'building', 'BUILD', 'requested', 1, run!.id],
      [2, 'building', 'failed', 'FAILURE', 'failed', limit, run!.id],
    ]);
    expect(transitions[1]?.error?.code).toBe('attempts_exhausted');
    expect(await store.getResource(run!.resourceId)).toMatchObject({
      state: 'failed',
      seq: 2,
      activeRunId: null,
    });
    // The fault struck before the provider did anything, every time.
    expect(readLedger(ledgerFile)).toEqual([]);
  }, 300_000);
});
