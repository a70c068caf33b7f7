import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assembleEngine,
  bindKind,
  type Executor,
  failed,
  imageKind,
  type Principal,
  type ProviderFor,
  type ResourceService,
  type RunWalker,
  SHUTDOWN,
  type StepContext,
  succeeded,
} from '@slipway/domain';
import { InlineExecutor } from '@slipway/ops';
import { LmdbStore } from '@slipway/persistence';
import { monotonicFactory } from 'ulid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const ADMIN: Principal = { id: 'alice', permissions: ['admin'] };
const SPEC = { source: '/src', build: 'make' };

/** A provider whose steps the test scripts; the engine around it is the real one. */
function scriptedProvider() {
  const calls: { step: string; attempt: number; token: string }[] = [];
  let cleanups = 0;
  let behaviour: (context: StepContext) => Promise<ReturnType<typeof succeeded>> = async () =>
    succeeded({ path: '/x' });
  const provider: ProviderFor<typeof imageKind> = {
    backend: 'scripted',
    steps: {
      build: async (context) => {
        calls.push({ step: context.step, attempt: context.attempt, token: context.idempotencyToken });
        return behaviour(context);
      },
      destroy: async () => succeeded(),
    },
    cleanup: async () => {
      cleanups += 1;
    },
  };
  return {
    provider,
    calls,
    cleanups: () => cleanups,
    behave(next: typeof behaviour) {
      behaviour = next;
    },
  };
}

function untilAborted(context: StepContext) {
  return new Promise<ReturnType<typeof succeeded>>((resolve) => {
    context.signal.addEventListener('abort', () => resolve(failed('aborted', 'aborted')));
  });
}

let dir: string;
let store: LmdbStore;
let scripted: ReturnType<typeof scriptedProvider>;
let walker: RunWalker;
let executor: InlineExecutor;
let service: ResourceService;

function wire(executorOverride?: Executor) {
  const id = monotonicFactory();
  const engine = assembleEngine({
    store,
    bindings: [bindKind(imageKind, scripted.provider)],
    newId: () => id(),
  });
  walker = engine.walker;
  executor = new InlineExecutor({ walker, store, concurrency: 2 });
  service = engine.service(executorOverride ?? executor);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-engine-'));
  store = await LmdbStore.open({ path: join(dir, 'db') });
  scripted = scriptedProvider();
  wire();
});

afterEach(async () => {
  await executor.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function transitions(resourceId: string) {
  return (await store.listTransitions({ resourceId, limit: 100 })).items;
}

describe('engine', () => {
  it('two walks of one run (two processes recovering it at once): the one that records second steps aside, the run succeeds', async () => {
    // The run is stored but walked only by this test, twice, the second walk entering the build
    // while the first is still in it.
    const parked: Executor = {
      ensureAccepting: async () => {},
      submit: async () => {},
      abort: () => {},
      recover: async () => 0,
      idle: async () => {},
      close: async () => {},
    };
    wire(parked);
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    scripted.behave(async () => {
      await released;
      return succeeded({ path: '/x' });
    });
    const image = await service.create('image', { name: 'twice', spec: SPEC }, ADMIN);
    const run = await service.requestRun('image', image.id, { target: 'built' }, ADMIN);
    const first = walker.walk(run.id, new AbortController().signal);
    await expect.poll(() => scripted.calls.length).toBe(1);
    const second = walker.walk(run.id, new AbortController().signal);
    await expect.poll(() => scripted.calls.length).toBe(2);
    release();
    const walks = await Promise.allSettled([first, second]);
    expect(walks.map((walk) => walk.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(await store.getRun(run.id)).toMatchObject({ status: 'succeeded' });
    expect((await transitions(image.id)).map((t) => `${t.from}>${t.to}:${t.outcome}`)).toEqual([
      'pending>building:requested',
      'building>built:succeeded',
    ]);
  });

  it('walks pending → built through building, one transition per state change', async () => {
    const image = await service.create('image', { name: 'a', spec: SPEC }, ADMIN);
    const run = await service.requestRun('image', image.id, { target: 'built' }, ADMIN);
    await executor.idle();
    expect(await store.getRun(run.id)).toMatchObject({ status: 'succeeded', step: 'build', attempt: 1 });
    expect(await store.getResource(image.id)).toMatchObject({
      state: 'built',
      seq: 2,
      activeRunId: null,
      status: { path: '/x' },
    });
    expect((await transitions(image.id)).map((t) => [t.from, t.to, t.event, t.outcome, t.actor])).toEqual([
      ['pending', 'building', 'BUILD', 'requested', 'alice'],
      ['building', 'built', 'SUCCESS', 'succeeded', 'alice'],
    ]);
    expect(scripted.calls).toEqual([{ step: 'build', attempt: 1, token: `${run.id}:build` }]);
  });

  it('allows one active run per resource', async () => {
    scripted.behave(untilAborted);
    const image = await service.create('image', { name: 'b', spec: SPEC }, ADMIN);
    const first = await service.requestRun('image', image.id, { target: 'built' }, ADMIN);
    await expect(service.requestRun('image', image.id, { target: 'built' }, ADMIN)).rejects.toMatchObject({
      code: 'run_conflict',
      details: { activeRunId: first.id },
    });
    await service.cancelRun(first.id, ADMIN);
    await executor.idle();
  });

  it('records a provider failure and ends the run failed', async () => {
    scripted.behave(async (context) => {
      context.log('step output');
      return failed('build_failed', 'exit 2');
    });
    const image = await service.create('image', { name: 'c', spec: SPEC }, ADMIN);
    const run = await service.requestRun('image', image.id, { target: 'built' }, ADMIN);
    await executor.idle();
    expect(await store.getRun(run.id)).toMatchObject({
      status: 'failed',
      error: { code: 'build_failed', message: 'exit 2' },
    });
    const last = (await transitions(image.id)).at(-1)!;
    expect(last).toMatchObject({ from: 'building', to: 'failed', outcome: 'failed', log: 'step output' });
  });

  it('turns a throwing provider into a recorded failure', async () => {
    scripted.behave(async () => {
      throw new Error('boom');
    });
    const image = await service.create('image', { name: 'd', spec: SPEC }, ADMIN);
    const run = await service.requestRun('image', image.id, { target: 'built' }, ADMIN);
    await executor.idle();
    expect(await store.getRun(run.id)).toMatchObject({
      status: 'failed',
      error: { code: 'provider_error', message: 'boom' },
    });
    expect((await store.getResource(image.id))?.state).toBe('failed');
  });

  it('cancels through the AbortSignal, runs cleanup and records CANCEL', async () => {
    let started!: () => void;
    const inStep = new Promise<void>((resolve) => {
      started = resolve;
    });
    scripted.behave((context) => {
      started();
      return untilAborted(context);
    });
    const image = await service.create('image', { name: 'e', spec: SPEC }, ADMIN);
    const run = await service.requestRun('image', image.id, { target: 'built' }, ADMIN);
    await inStep;
    const cancelling = await service.cancelRun(run.id, ADMIN, 'changed my mind');
    expect(cancelling.status).toBe('cancelling');
    await executor.idle();
    expect(await store.getRun(run.id)).toMatchObject({
      status: 'cancelled',
      cancelReason: 'changed my mind',
    });
    expect(scripted.cleanups()).toBe(1);
    expect((await transitions(image.id)).at(-1)).toMatchObject({
      from: 'building',
      to: 'pending',
      event: 'CANCEL',
      outcome: 'cancelled',
    });
    expect(await store.getResource(image.id)).toMatchObject({ state: 'pending', activeRunId: null });
  });

  it('resumes a step interrupted by shutdown with the next attempt and the same token', async () => {
    scripted.behave(untilAborted);
    const image = await service.create('image', { name: 'f', spec: SPEC }, ADMIN);
    const run = await service.requestRun('image', image.id, { target: 'built' }, ADMIN);
    while (scripted.calls.length === 0) await new Promise((done) => setTimeout(done, 5));
    await executor.close(); // aborts with SHUTDOWN: the run stays running for the next start
    expect(await store.getRun(run.id)).toMatchObject({ status: 'running', step: 'build', attempt: 1 });

    scripted.behave(async () => succeeded({ path: '/y' }));
    wire();
    expect(await executor.recover()).toBe(1);
    await executor.idle();
    expect(await store.getRun(run.id)).toMatchObject({ status: 'succeeded', attempt: 2 });
    expect(scripted.calls.map((call) => [call.attempt, call.token])).toEqual([
      [1, `${run.id}:build`],
      [2, `${run.id}:build`],
    ]);
    expect((await transitions(image.id)).map((t) => t.seq)).toEqual([1, 2]);
    expect(SHUTDOWN).toBe('shutdown');
  });

  it('checks permissions per kind and verb', async () => {
    const reader: Principal = { id: 'bob', permissions: ['image:read'] };
    await expect(service.create('image', { name: 'g', spec: SPEC }, reader)).rejects.toMatchObject({
      code: 'forbidden',
    });
    const image = await service.create('image', { name: 'g', spec: SPEC }, ADMIN);
    await expect(service.get('image', image.id, reader)).resolves.toMatchObject({ id: image.id });
    await expect(service.requestRun('image', image.id, { target: 'built' }, reader)).rejects.toMatchObject({
      code: 'forbidden',
    });
  });
});
