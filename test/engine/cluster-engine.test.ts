import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assembleEngine,
  bindKind,
  clusterKind,
  failed,
  imageKind,
  type Principal,
  type ProviderFor,
  type ResourceQuery,
  type ResourceService,
  type StepContext,
  type StepOutcome,
  type Store,
  succeeded,
} from '@slipway/domain';
import { InlineExecutor } from '@slipway/ops';
import { LmdbStore } from '@slipway/persistence';
import { monotonicFactory } from 'ulid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const ADMIN: Principal = { id: 'alice', permissions: ['admin'] };

/**
 * The engine around clusters, with providers whose steps the test scripts: what is under test is
 * the displacement of the live cluster, force, and actions — the local provider has its own tests.
 */
function scriptedProviders() {
  const calls: string[] = [];
  let verify: (context: StepContext) => Promise<StepOutcome> = async () => succeeded({ checks: ['ok'] });
  let promote: (context: StepContext) => Promise<StepOutcome> = async () => succeeded();
  const step =
    (name: string, outputs: Record<string, unknown> = {}) =>
    async (context: StepContext) => {
      calls.push(`${context.resource.name}:${name}`);
      if (name === 'verify') return verify(context);
      return name === 'promote' ? promote(context) : succeeded(outputs);
    };
  const cluster: ProviderFor<typeof clusterKind> = {
    backend: 'scripted',
    steps: {
      launch: step('launch', { instances: [{ pid: 1, port: 2 }] }),
      verify: step('verify'),
      promote: step('promote'),
      destroy: step('destroy'),
    },
    cleanup: async (context) => {
      calls.push(`${context.resource.name}:cleanup:${context.step}`);
    },
  };
  const image: ProviderFor<typeof imageKind> = {
    backend: 'scripted',
    steps: { build: step('build'), destroy: step('destroy') },
  };
  return {
    bindings: [bindKind(imageKind, image), bindKind(clusterKind, cluster)],
    calls,
    verifyWith(next: typeof verify) {
      verify = next;
    },
    promoteWith(next: typeof promote) {
      promote = next;
    },
  };
}

let dir: string;
let store: LmdbStore;
let executor: InlineExecutor;
let service: ResourceService;
let scripted: ReturnType<typeof scriptedProviders>;
let imageId: string;
/** Called whenever the walker lists live clusters (looking for the holder it would displace). */
let onLiveLookup: (() => Promise<void>) | null = null;
/** While set, the next run submitted is kept back until released: a request accepted, not yet walked. */
let heldRun: { id: string | null } | null = null;

/** The real store, telling the test when the walker looks for live clusters. */
function spied(real: LmdbStore): Store {
  return new Proxy(real, {
    get(target, property) {
      if (property === 'listResources') {
        return (query: ResourceQuery) => {
          if (query.state === 'live') void onLiveLookup?.();
          return target.listResources(query);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * The service's executor: the inline one, except that a held submission waits for `release`.
 * Not annotated, so it also fits an Executor port that asks `ensureAccepting` (the inline executor
 * always accepts).
 */
const gated = {
  ensureAccepting: async () => {},
  submit: async (runId: string) => {
    if (heldRun && heldRun.id === null) heldRun.id = runId;
    else await executor.submit(runId);
  },
  abort: (runId: string) => executor.abort(runId),
  recover: () => executor.recover(),
  idle: () => executor.idle(),
  close: () => executor.close(),
};

function holdNextSubmission() {
  const held = { id: null as string | null };
  heldRun = held;
  return {
    release() {
      heldRun = null;
      if (held.id) void executor.submit(held.id);
    },
  };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-cluster-engine-'));
  store = await LmdbStore.open({ path: join(dir, 'db') });
  scripted = scriptedProviders();
  const id = monotonicFactory();
  onLiveLookup = null;
  heldRun = null;
  const { walker } = assembleEngine({ store: spied(store), bindings: scripted.bindings, newId: () => id() });
  executor = new InlineExecutor({ walker, store, concurrency: 2 });
  service = assembleEngine({ store, bindings: scripted.bindings, newId: () => id() }).service(gated);
  const image = await service.create('image', { name: 'img', spec: { source: '/s', build: 'make' } }, ADMIN);
  await service.requestRun('image', image.id, { target: 'built' }, ADMIN);
  await executor.idle();
  imageId = image.id;
});

afterEach(async () => {
  await executor.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function cluster(name: string, target: string, service_ = 'web') {
  const created = await service.create(
    'cluster',
    { name, spec: { service: service_, image: imageId, size: 2 } },
    ADMIN,
  );
  const run = await service.requestRun('cluster', created.id, { target }, ADMIN);
  await executor.idle();
  return { id: created.id, run: (await store.getRun(run.id))! };
}

const stateOf = async (id: string) => (await store.getResource(id))?.state;
const history = async (resourceId: string) =>
  (await store.listTransitions({ resourceId, limit: 100 })).items.map((t) => `${t.from}>${t.to}:${t.event}`);

/**
 * Live A and ready B, with B's promote held back after it was accepted and A given a verify run
 * the way one gets past the request-time looks only when the store fails the second look: stored
 * and walked without the service's checks. Resolves once B's promoting step waits for that verify.
 */
async function promoteWaitingForHolder() {
  const a = await cluster('a', 'live');
  const b = await cluster('b', 'ready');
  const held = holdNextSubmission();
  const promote = await service.requestRun('cluster', b.id, { target: 'live' }, ADMIN);
  let releaseVerify: (outcome: StepOutcome) => void = () => {};
  scripted.verifyWith(() => new Promise((resolve) => (releaseVerify = resolve)));
  const stored = (await store.getRun(promote.id))!;
  const verifying = {
    ...stored,
    id: `${promote.id}-verify`,
    resourceId: a.id,
    action: 'verify',
    fromState: 'live',
  };
  await store.startRun(verifying);
  void executor.submit(verifying.id);
  while (scripted.calls.at(-1) !== 'a:verify') await new Promise((done) => setTimeout(done, 5));
  // The walker looks for the live cluster once it is promoting; the verify ends only after that.
  const looked = new Promise<void>((resolve) => {
    onLiveLookup = async () => {
      if ((await store.getResource(b.id))?.state === 'promoting') resolve();
    };
  });
  held.release();
  await looked;
  return { a, b, promote, verifying, releaseVerify };
}

describe('clusters in the engine', () => {
  it('walks pending → live: launch, verify, promote, one transition per state change', async () => {
    const a = await cluster('a', 'live');
    expect(a.run).toMatchObject({ status: 'succeeded' });
    expect(await history(a.id)).toEqual([
      'pending>launching:LAUNCH',
      'launching>verifying:SUCCESS',
      'verifying>ready:SUCCESS',
      'ready>promoting:PROMOTE',
      'promoting>live:SUCCESS',
    ]);
    expect(scripted.calls.filter((call) => call.startsWith('a:'))).toEqual([
      'a:launch',
      'a:verify',
      'a:promote',
    ]);
  });

  it('promoting B moves live A to standby in the same run, and promoting A swaps back', async () => {
    const a = await cluster('a', 'live');
    const b = await cluster('b', 'ready');
    const promoteB = await service.requestRun('cluster', b.id, { target: 'live' }, ADMIN);
    await executor.idle();
    expect(await stateOf(a.id)).toBe('standby');
    expect(await stateOf(b.id)).toBe('live');
    const inRun = (await store.listTransitions({ runId: promoteB.id, limit: 10 })).items;
    expect(inRun.map((t) => `${t.resourceId === a.id ? 'a' : 'b'} ${t.from}>${t.to}:${t.event}`)).toEqual([
      'b ready>promoting:PROMOTE',
      'a live>standby:DEMOTE',
      'b promoting>live:SUCCESS',
    ]);
    expect(inRun[1]).toMatchObject({ actor: 'alice', outcome: 'succeeded', outputs: { displacedBy: b.id } });

    const back = await service.requestRun('cluster', a.id, { target: 'live' }, ADMIN);
    await executor.idle();
    expect(await store.getRun(back.id)).toMatchObject({ status: 'succeeded' });
    expect([await stateOf(a.id), await stateOf(b.id)]).toEqual(['live', 'standby']);
    expect(await history(a.id)).toEqual([
      'pending>launching:LAUNCH',
      'launching>verifying:SUCCESS',
      'verifying>ready:SUCCESS',
      'ready>promoting:PROMOTE',
      'promoting>live:SUCCESS',
      'live>standby:DEMOTE',
      'standby>promoting:PROMOTE',
      'promoting>live:SUCCESS',
    ]);
  });

  it('keeps services apart: a live cluster of another service stays live', async () => {
    const a = await cluster('a', 'live', 'web');
    const other = await cluster('o', 'live', 'api');
    expect([await stateOf(a.id), await stateOf(other.id)]).toEqual(['live', 'live']);
  });

  it('refuses a promote at request time while the live cluster is busy, naming its run; the ready cluster stays ready', async () => {
    const a = await cluster('a', 'live');
    const b = await cluster('b', 'ready');
    let release: (outcome: StepOutcome) => void = () => {};
    scripted.verifyWith(() => new Promise((resolve) => (release = resolve)));
    const verifying = await service.runAction('cluster', a.id, 'verify', ADMIN);
    while (scripted.calls.at(-1) !== 'a:verify') await new Promise((done) => setTimeout(done, 5));
    await expect(service.requestRun('cluster', b.id, { target: 'live' }, ADMIN)).rejects.toMatchObject({
      code: 'run_conflict',
      details: { activeRunId: verifying.id },
      message: expect.stringContaining(verifying.id),
    });
    expect(await store.getResource(b.id)).toMatchObject({ state: 'ready', activeRunId: null });
    release(succeeded({ checks: ['ok'] }));
    await executor.idle();
    expect(await store.getRun(verifying.id)).toMatchObject({ status: 'succeeded' });
    const promote = await service.requestRun('cluster', b.id, { target: 'live' }, ADMIN);
    await executor.idle();
    expect(await store.getRun(promote.id)).toMatchObject({ status: 'succeeded' });
    expect([await stateOf(a.id), await stateOf(b.id)]).toEqual(['standby', 'live']);
  });

  it('refuses runs on the live cluster while a promote of its service is accepted but still queued, so the promote never waits behind them', async () => {
    const a = await cluster('a', 'live');
    const b = await cluster('b', 'ready');
    // The promote is accepted and stays queued (say, behind a long build on a busy executor).
    const held = holdNextSubmission();
    const promote = await service.requestRun('cluster', b.id, { target: 'live' }, ADMIN);
    expect(await store.getRun(promote.id)).toMatchObject({ status: 'queued' });
    for (const attempt of [
      service.runAction('cluster', a.id, 'verify', ADMIN),
      service.requestRun('cluster', a.id, { target: 'destroyed', force: true, reason: 'now' }, ADMIN),
    ]) {
      await expect(attempt).rejects.toMatchObject({
        code: 'run_conflict',
        details: { activeRunId: promote.id },
        message: expect.stringContaining(promote.id),
      });
    }
    expect(await store.getResource(a.id)).toMatchObject({ state: 'live', activeRunId: null });
    held.release();
    await executor.idle();
    expect(await store.getRun(promote.id)).toMatchObject({ status: 'succeeded', error: null });
    expect([await stateOf(a.id), await stateOf(b.id)]).toEqual(['standby', 'live']);
  });

  it('a promote whose holder got a run past both request-time looks waits for it in its step, and never fails the ready cluster', async () => {
    const { a, b, promote, verifying, releaseVerify } = await promoteWaitingForHolder();
    releaseVerify(succeeded({ checks: ['ok'] }));
    await executor.idle();
    expect(await store.getRun(verifying.id)).toMatchObject({ status: 'succeeded' });
    expect(await store.getRun(promote.id)).toMatchObject({ status: 'succeeded', error: null, attempt: 1 });
    expect([await stateOf(a.id), await stateOf(b.id)]).toEqual(['standby', 'live']);
    expect(await history(b.id)).not.toContain('promoting>failed:FAILURE');
  });

  it('a promote cancelled while it waits for the holder cleans up nothing, since its provider never ran', async () => {
    const { a, promote, releaseVerify } = await promoteWaitingForHolder();
    await service.cancelRun(promote.id, ADMIN, 'changed my mind');
    releaseVerify(succeeded({ checks: ['ok'] }));
    await executor.idle();
    expect(await store.getRun(promote.id)).toMatchObject({ status: 'cancelled' });
    expect(scripted.calls.filter((call) => call.startsWith('b:'))).not.toContain('b:promote');
    expect(scripted.calls).not.toContain('b:cleanup:promote');
    expect(await stateOf(a.id)).toBe('live');
  });

  it('a promote racing a verify of the live cluster never fails a cluster (30 races)', async () => {
    let live = (await cluster('a', 'live')).id;
    let other = (await cluster('b', 'ready')).id;
    for (let round = 0; round < 30; round++) {
      const [promote, verify] = await Promise.allSettled([
        (async () => {
          for (let turn = 0; turn < round % 3; turn++) await new Promise((done) => setImmediate(done));
          return service.requestRun('cluster', other, { target: 'live' }, ADMIN);
        })(),
        service.runAction('cluster', live, 'verify', ADMIN),
      ]);
      await executor.idle();
      const runs = [promote, verify].flatMap((settled) =>
        settled.status === 'fulfilled' ? [settled.value] : [],
      );
      for (const run of runs) {
        expect(await store.getRun(run.id)).toMatchObject({ status: 'succeeded' });
      }
      for (const settled of [promote, verify]) {
        if (settled.status === 'rejected') expect(settled.reason).toMatchObject({ code: 'run_conflict' });
      }
      const states = [await stateOf(live), await stateOf(other)];
      if (promote.status === 'fulfilled') {
        expect(states).toEqual(['standby', 'live']);
        [live, other] = [other, live];
      } else {
        expect(states[0]).toBe('live');
        expect(['ready', 'standby']).toContain(states[1]);
      }
    }
  });

  it('refuses runs on the live cluster while another cluster of its service is promoting', async () => {
    const a = await cluster('a', 'live');
    const b = await cluster('b', 'ready');
    let release: (outcome: StepOutcome) => void = () => {};
    scripted.promoteWith(() => new Promise((resolve) => (release = resolve)));
    const promote = await service.requestRun('cluster', b.id, { target: 'live' }, ADMIN);
    while (scripted.calls.at(-1) !== 'b:promote') await new Promise((done) => setTimeout(done, 5));
    for (const attempt of [
      service.runAction('cluster', a.id, 'verify', ADMIN),
      service.requestRun('cluster', a.id, { target: 'destroyed', force: true, reason: 'now' }, ADMIN),
    ]) {
      await expect(attempt).rejects.toMatchObject({
        code: 'run_conflict',
        details: { activeRunId: promote.id },
      });
    }
    release(succeeded());
    await executor.idle();
    expect([await stateOf(a.id), await stateOf(b.id)]).toEqual(['standby', 'live']);
  });

  it('refuses to destroy a live cluster without force and a reason; with both, destroys it', async () => {
    const a = await cluster('a', 'live');
    await expect(
      service.requestRun('cluster', a.id, { target: 'destroyed', reason: 'cleanup' }, ADMIN),
    ).rejects.toMatchObject({ code: 'force_required' });
    await expect(
      service.requestRun('cluster', a.id, { target: 'destroyed', force: true }, ADMIN),
    ).rejects.toMatchObject({ code: 'reason_required' });
    expect(await history(a.id)).toHaveLength(5);
    const run = await service.requestRun(
      'cluster',
      a.id,
      { target: 'destroyed', force: true, reason: 'incident 42' },
      ADMIN,
    );
    await executor.idle();
    expect(await store.getRun(run.id)).toMatchObject({
      status: 'succeeded',
      force: true,
      reason: 'incident 42',
    });
    expect(await stateOf(a.id)).toBe('destroyed');
  });

  it('verify records a self-transition with the checks, and a failing check fails the run', async () => {
    const a = await cluster('a', 'live');
    const ok = await service.runAction('cluster', a.id, 'verify', ADMIN);
    await executor.idle();
    expect(await store.getRun(ok.id)).toMatchObject({
      status: 'succeeded',
      action: 'verify',
      target: 'live',
    });
    scripted.verifyWith(async () =>
      failed('verification_failed', 'instance 1 (pid 9, port 9): process 9 is not running', {
        checks: ['bad'],
      }),
    );
    const bad = await service.runAction('cluster', a.id, 'verify', ADMIN);
    await executor.idle();
    expect(await store.getRun(bad.id)).toMatchObject({
      status: 'failed',
      error: { code: 'verification_failed', message: expect.stringContaining('instance 1') },
    });
    const recorded = (await store.listTransitions({ resourceId: a.id, limit: 100 })).items.slice(-2);
    expect(recorded.map((t) => [t.from, t.to, t.event, t.outcome, t.runId])).toEqual([
      ['live', 'live', 'VERIFY', 'succeeded', ok.id],
      ['live', 'live', 'VERIFY', 'failed', bad.id],
    ]);
    expect(await store.getResource(a.id)).toMatchObject({ state: 'live', status: { checks: ['bad'] } });
  });

  it('refuses verify outside live and standby, and a cluster whose image is not built', async () => {
    const b = await cluster('b', 'ready');
    await expect(service.runAction('cluster', b.id, 'verify', ADMIN)).rejects.toMatchObject({
      code: 'action_not_allowed',
    });
    const pendingImage = await service.create(
      'image',
      { name: 'raw', spec: { source: '/s', build: 'make' } },
      ADMIN,
    );
    await expect(
      service.create(
        'cluster',
        { name: 'c', spec: { service: 'web', image: pendingImage.id, size: 1 } },
        ADMIN,
      ),
    ).rejects.toMatchObject({ code: 'invalid_spec', message: expect.stringContaining('must be built') });
    await expect(
      service.create('cluster', { name: 'c', spec: { service: 'web', image: 'NOPE', size: 1 } }, ADMIN),
    ).rejects.toMatchObject({ code: 'invalid_spec', message: 'spec.image: no image with id "NOPE"' });
  });
  it('ends an action whose step never finished within the attempt limit with a recorded failure', async () => {
    const a = await cluster('a', 'live');
    scripted.verifyWith(
      (context) =>
        new Promise((resolve) =>
          context.signal.addEventListener('abort', () => resolve(failed('aborted', 'aborted'))),
        ),
    );
    const verifies = () => scripted.calls.filter((call) => call === 'a:verify').length;
    const before = verifies();
    const run = await service.runAction('cluster', a.id, 'verify', ADMIN);
    while (verifies() === before) await new Promise((done) => setTimeout(done, 5));
    await executor.close(); // SHUTDOWN: attempt 1 stays recorded, the run unfinished
    expect(await store.getRun(run.id)).toMatchObject({ status: 'running', step: 'verify', attempt: 1 });

    const id = monotonicFactory();
    const limited = assembleEngine({
      store,
      bindings: scripted.bindings,
      newId: () => id(),
      maxAttempts: 1,
    }).walker;
    const calls = scripted.calls.length;
    expect(await limited.walk(run.id, new AbortController().signal)).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: { code: 'attempts_exhausted', message: expect.stringContaining('the limit is 1 attempts') },
    });
    expect(scripted.calls.length, 'no further attempt may start').toBe(calls);
    const [recorded] = (await store.listTransitions({ runId: run.id, limit: 10 })).items;
    expect(recorded).toMatchObject({
      from: 'live',
      to: 'live',
      event: 'VERIFY',
      outcome: 'failed',
      attempt: 1,
      error: { code: 'attempts_exhausted' },
    });
    expect(await store.getResource(a.id)).toMatchObject({ state: 'live', activeRunId: null });
  });
});
