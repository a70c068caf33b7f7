import { type Executor, type RunWalker, SHUTDOWN, type Store } from '@slipway/domain';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, EngineFixture, lostQueue, storeFailingOn } from './engine-fixture';
import { Gate, untilAborted } from './scripted-image-provider';

/** What the contract hands an adapter to build an executor over. */
export interface ExecutorContractWorld {
  /** The store the runs live in; an executor finishes a run here when its walk blows up. */
  store: Store;
  /** Walks runs; for one case it works over a store that fails. */
  walker: RunWalker;
}

/** An executor as started in one process lifetime, with whatever walks runs for it. */
export interface ExecutorUnderTest {
  executor: Executor;
  /** How many runs it walks at once: the contract fills them all to keep a run queued. */
  capacity: number;
  /**
   * Stops everything that walks runs, as a process does on SIGTERM: walks in progress are aborted
   * with SHUTDOWN and left unfinished. Called again after the test; must not mind that.
   */
  shutdown(): Promise<void>;
}

export interface ExecutorContractOptions {
  /** An empty store for each test; the suite closes it after the test, then calls `cleanup`. */
  openStore(): Promise<Store>;
  cleanup?(): Promise<void>;
  /** Starts an executor over the world; called a second time in a test to stand for a restart. */
  start(world: ExecutorContractWorld): Promise<ExecutorUnderTest>;
}

/**
 * The promises of the `Executor` port, as one suite every adapter must pass: walks happen once per
 * run however often a run is submitted, cancels reach the walk, a shutdown leaves runs for the next
 * start, and the store, not the queue, decides what is unfinished.
 */
export function describeExecutorContract(name: string, options: ExecutorContractOptions): void {
  describe(`Executor contract: ${name}`, () => {
    let store: Store | null = null;
    let engine: EngineFixture;
    const started: ExecutorUnderTest[] = [];

    beforeEach(async () => {
      store = await options.openStore();
      engine = new EngineFixture(store);
    });

    afterEach(async () => {
      try {
        for (const under of started.splice(0).reverse()) await under.shutdown();
        await store?.close();
      } finally {
        store = null;
        await options.cleanup?.();
      }
    });

    /** Starts an executor (as a process start does) and a service submitting to it. */
    async function boot(walker: RunWalker = engine.walker()) {
      const under = await options.start({ store: engine.store, walker });
      started.push(under);
      return { ...under, service: engine.service(under.executor) };
    }

    it('walks submitted runs to succeeded, one transition per state change', async () => {
      const { executor, service } = await boot();
      const names = ['a1', 'a2', 'a3', 'a4', 'a5'];
      const requested = await Promise.all(names.map((n) => engine.buildImage(service, n)));
      await executor.idle();
      for (const { image, run } of requested) {
        expect(await engine.store.getRun(run.id)).toMatchObject({
          status: 'succeeded',
          step: 'build',
          attempt: 1,
        });
        expect(await engine.resource(image.id)).toMatchObject({
          state: 'built',
          seq: 2,
          activeRunId: null,
          status: { path: `/images/${image.name}` },
        });
        expect(
          (await engine.transitions(image.id)).map((t) => [t.seq, t.from, t.to, t.event, t.outcome]),
        ).toEqual([
          [1, 'pending', 'building', 'BUILD', 'requested'],
          [2, 'building', 'built', 'SUCCESS', 'succeeded'],
        ]);
        expect(engine.scripted.callsFor(image.name)).toEqual([
          { resource: image.name, step: 'build', attempt: 1, token: `${run.id}:build` },
        ]);
      }
    });

    it('walks a run once however often it is submitted: queued, running and finished', async () => {
      const { executor, service } = await boot();
      const gate = new Gate();
      engine.scripted.script('dup', gate.build);
      const { image, run } = await engine.buildImage(service, 'dup');
      await Promise.all([1, 2, 3].map(() => executor.submit(run.id)));
      await engine.scripted.started('dup');
      await Promise.all([1, 2, 3].map(() => executor.submit(run.id)));
      gate.open();
      await executor.idle();
      await Promise.all([1, 2, 3].map(() => executor.submit(run.id)));
      await executor.idle();
      expect(engine.scripted.callsFor('dup').map((call) => call.token)).toEqual([`${run.id}:build`]);
      expect(await engine.store.getRun(run.id)).toMatchObject({ status: 'succeeded', attempt: 1 });
      expect((await engine.transitions(image.id)).map((t) => t.seq)).toEqual([1, 2]);
    });

    it('cancels a queued run before any step: no provider call, no transition', async () => {
      const { executor, service, capacity } = await boot();
      const gate = new Gate();
      const busy = Array.from({ length: capacity }, (_, i) => `busy${i}`);
      for (const name of busy) engine.scripted.script(name, gate.build);
      const holding = [];
      for (const name of busy) {
        holding.push(await engine.buildImage(service, name));
        await engine.scripted.started(name);
      }
      const { image, run } = await engine.buildImage(service, 'queued');
      expect(await engine.store.getRun(run.id)).toMatchObject({ status: 'queued' });
      const cancelled = await service.cancelRun(run.id, ADMIN, 'not needed');
      expect(cancelled).toMatchObject({ status: 'cancelled', cancelReason: 'not needed' });
      gate.open();
      await executor.idle();
      expect(await engine.store.getRun(run.id)).toMatchObject({ status: 'cancelled' });
      expect(engine.scripted.callsFor('queued')).toEqual([]);
      expect(await engine.transitions(image.id)).toEqual([]);
      expect(await engine.resource(image.id)).toMatchObject({ state: 'pending', activeRunId: null });
      for (const held of holding)
        expect(await engine.store.getRun(held.run.id)).toMatchObject({ status: 'succeeded' });
    });

    it('cancels a running run: the provider sees the abort, cleanup runs, CANCEL is recorded', async () => {
      const { executor, service } = await boot();
      engine.scripted.script('running', untilAborted);
      const { image, run } = await engine.buildImage(service, 'running');
      await engine.scripted.started('running');
      const cancelling = await service.cancelRun(run.id, ADMIN, 'changed my mind');
      expect(cancelling.status).toBe('cancelling');
      await executor.idle();
      expect(await engine.store.getRun(run.id)).toMatchObject({
        status: 'cancelled',
        cancelRequestedBy: 'alice',
        cancelReason: 'changed my mind',
      });
      expect(engine.scripted.aborts.map((abort) => [abort.resource, abort.reason === SHUTDOWN])).toEqual([
        ['running', false],
      ]);
      expect(engine.scripted.cleanups).toEqual(['running']);
      expect((await engine.transitions(image.id)).map((t) => [t.from, t.to, t.event, t.outcome])).toEqual([
        ['pending', 'building', 'BUILD', 'requested'],
        ['building', 'pending', 'CANCEL', 'cancelled'],
      ]);
      expect(await engine.resource(image.id)).toMatchObject({ state: 'pending', activeRunId: null });
    });

    it('leaves a run interrupted by shutdown unfinished; the next start resumes it, same token', async () => {
      const first = await boot();
      engine.scripted.script('resumed', untilAborted);
      const { image, run } = await engine.buildImage(first.service, 'resumed');
      await engine.scripted.started('resumed');
      await first.shutdown();
      expect(await engine.store.getRun(run.id)).toMatchObject({
        status: 'running',
        step: 'build',
        attempt: 1,
      });
      expect(engine.scripted.aborts).toEqual([{ resource: 'resumed', reason: SHUTDOWN }]);
      expect(await engine.transitions(image.id)).toHaveLength(1);

      // Held at the gate so that the run is still unfinished when recover() counts.
      const gate = new Gate();
      engine.scripted.script('resumed', gate.build);
      const second = await boot();
      expect(await second.executor.recover()).toBe(1);
      await engine.scripted.started('resumed', 2);
      gate.open();
      await second.executor.idle();
      expect(await engine.store.getRun(run.id)).toMatchObject({
        status: 'succeeded',
        step: 'build',
        attempt: 2,
      });
      expect(engine.scripted.callsFor('resumed').map((call) => [call.attempt, call.token])).toEqual([
        [1, `${run.id}:build`],
        [2, `${run.id}:build`],
      ]);
      expect((await engine.transitions(image.id)).map((t) => [t.seq, t.to, t.attempt])).toEqual([
        [1, 'building', 1],
        [2, 'built', 2],
      ]);
    });

    it('ends a run failed when its walk throws, releasing the resource', async () => {
      const broken = storeFailingOn(engine.store, 'recordTransition', new Error('disk full'));
      const { executor, service } = await boot(engine.walker(broken));
      const { image, run } = await engine.buildImage(service, 'thrown');
      await executor.idle();
      expect(await engine.store.getRun(run.id)).toMatchObject({
        status: 'failed',
        error: { code: 'executor_error', message: 'disk full' },
      });
      expect(await engine.resource(image.id)).toMatchObject({ state: 'pending', activeRunId: null });
      expect(await engine.transitions(image.id)).toEqual([]);
    });

    it('recovers runs the store holds unfinished that never reached its queue', async () => {
      const gate = new Gate();
      const names = ['lost1', 'lost2', 'lost3'];
      for (const name of names) engine.scripted.script(name, gate.build);
      const lost = engine.service(lostQueue);
      const requested = await Promise.all(names.map((name) => engine.buildImage(lost, name)));
      const { executor } = await boot();
      expect(await executor.recover()).toBe(3);
      gate.open();
      await executor.idle();
      for (const { run } of requested)
        expect(await engine.store.getRun(run.id)).toMatchObject({ status: 'succeeded' });
      for (const name of names) expect(engine.scripted.callsFor(name)).toHaveLength(1);
    });
  });
}
