import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assembleEngine,
  bindKind,
  failed,
  imageKind,
  type Principal,
  type ProviderFor,
  type StepHook,
  succeeded,
} from '@slipway/domain';
import { InlineExecutor } from '@slipway/ops';
import { LmdbStore } from '@slipway/persistence';
import { monotonicFactory } from 'ulid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const ADMIN: Principal = { id: 'alice', permissions: ['admin'] };
const SPEC = { source: '/src', build: 'make' };

// Another kind's code inside image.build, through the real walker, store and executor.

let dir: string;
let store: LmdbStore;
let executors: InlineExecutor[];
/** What the provider's build step saw of the hooks, per call. */
let seen: unknown[];
/** The steps the provider was asked to clean up after. */
let cleanedUp: string[];
/** What the build step got as its processes' environment from before hooks. */
let environments: unknown[];

const provider: ProviderFor<typeof imageKind> = {
  backend: 'scripted',
  steps: {
    build: async (context) => {
      seen.push(context.hooked);
      environments.push(context.environment);
      return succeeded({ path: '/built', pinned: context.hooked?.['setting.pin']?.value ?? null });
    },
    destroy: async () => succeeded(),
  },
  cleanup: async (context) => {
    cleanedUp.push(context.step);
  },
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-hooks-'));
  store = await LmdbStore.open({ path: join(dir, 'db') });
  executors = [];
  seen = [];
  cleanedUp = [];
  environments = [];
});

afterEach(async () => {
  for (const executor of executors) await executor.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function build(hooks: StepHook[]) {
  const id = monotonicFactory();
  const engine = assembleEngine({
    store,
    bindings: [bindKind(imageKind, provider)],
    hooks,
    newId: () => id(),
  });
  const executor = new InlineExecutor({ walker: engine.walker, store, concurrency: 1 });
  executors.push(executor);
  const service = engine.service(executor);
  const image = await service.create('image', { name: `img-${executors.length}`, spec: SPEC }, ADMIN);
  const run = await service.requestRun('image', image.id, { target: 'built' }, ADMIN);
  await executor.idle();
  const transitions = (await store.listTransitions({ resourceId: image.id, limit: 10 })).items;
  return {
    run: await store.getRun(run.id),
    image: await store.getResource(image.id),
    last: transitions.at(-1),
  };
}

describe('step hooks', () => {
  it('hands a before hook’s outputs to the step and records both hooks’ outputs with the step’s', async () => {
    const order: string[] = [];
    const { run, image, last } = await build([
      {
        name: 'setting.pin',
        kind: 'image',
        step: 'build',
        phase: 'before',
        run: async (context) => {
          order.push(`pin ${context.idempotencyToken}`);
          return succeeded({ value: 'v7' });
        },
      },
      {
        name: 'discovery.publish',
        kind: 'image',
        step: 'build',
        phase: 'after',
        run: async (context) => {
          order.push(`publish ${String(context.stepOutputs.path)}`);
          return succeeded({ published: true });
        },
      },
    ]);
    expect(run).toMatchObject({ status: 'succeeded' });
    expect(seen).toEqual([{ 'setting.pin': { value: 'v7' } }]);
    expect(order).toEqual([`pin ${run!.id}:build`, 'publish /built']);
    expect(last).toMatchObject({ event: 'SUCCESS', outputs: { path: '/built', pinned: 'v7' } });
    expect(image!.status.hooks).toEqual({
      'setting.pin': { value: 'v7' },
      'discovery.publish': { published: true },
    });
  });

  it('hands a before hook’s environment to the step only: it is in no transition and no status', async () => {
    const { run, image, last } = await build([
      {
        name: 'setting.pin',
        kind: 'image',
        step: 'build',
        phase: 'before',
        run: async () => ({
          ok: true,
          outputs: { settings: [{ key: 'DB_PASSWORD', version: 3 }] },
          environment: { DB_PASSWORD: 'plaintext-9f2c' },
        }),
      },
    ]);
    expect(run).toMatchObject({ status: 'succeeded' });
    expect(environments).toEqual([{ DB_PASSWORD: 'plaintext-9f2c' }]);
    const transitions = await store.listTransitions({ resourceId: image!.id, limit: 10 });
    expect(last).toMatchObject({
      outputs: { hooks: { 'setting.pin': { settings: [{ key: 'DB_PASSWORD', version: 3 }] } } },
    });
    expect(JSON.stringify([transitions, image, run])).not.toContain('plaintext-9f2c');
  });

  it('fails the step without calling the provider when a before hook fails', async () => {
    const { run, image, last } = await build([
      {
        name: 'setting.pin',
        kind: 'image',
        step: 'build',
        phase: 'before',
        run: async () => failed('verification_failed', 'no setting resolves'),
      },
    ]);
    expect(seen).toEqual([]);
    expect(run).toMatchObject({ status: 'failed', error: { code: 'verification_failed' } });
    expect(image).toMatchObject({ state: 'failed' });
    expect(last).toMatchObject({ event: 'FAILURE', outputs: { hooks: { 'setting.pin': {} } } });
  });

  it('fails the step with hook_failed, before SUCCESS is recorded, when an after hook throws', async () => {
    const { run, image, last } = await build([
      {
        name: 'discovery.publish',
        kind: 'image',
        step: 'build',
        phase: 'after',
        run: async () => {
          throw new Error('registry down');
        },
      },
    ]);
    expect(seen).toHaveLength(1);
    // What the build did is undone before the failure is recorded.
    expect(cleanedUp).toEqual(['build']);
    expect(run).toMatchObject({
      status: 'failed',
      error: { code: 'hook_failed', message: 'Hook discovery.publish: registry down' },
    });
    expect(image).toMatchObject({ state: 'failed' });
    expect(last).toMatchObject({
      event: 'FAILURE',
      log: expect.stringContaining('hook discovery.publish threw'),
    });
  });
});
