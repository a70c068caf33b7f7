import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithService, findMongo, uniqueDatabaseName } from '@slipway/acceptance/support/services';
import {
  assembleEngine,
  bindKind,
  clusterKind,
  imageKind,
  type Principal,
  type ProviderFor,
  type ResourceService,
  type Store,
  succeeded,
} from '@slipway/domain';
import { InlineExecutor } from '@slipway/ops';
import { LmdbStore, MongoStore } from '@slipway/persistence';
import { MongoClient } from 'mongodb';
import { monotonicFactory } from 'ulid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const ADMIN: Principal = { id: 'alice', permissions: ['admin'] };

/**
 * A kind's `references` protect the referenced resource: an image a cluster runs on cannot be
 * destroyed while that cluster is not destroyed, also when the two requests race. The providers
 * are scripted (the local ones have their own tests); store, walker and executor are the real ones.
 */
function scriptedProviders() {
  const destroyed: string[] = [];
  const step = async () => succeeded();
  const image: ProviderFor<typeof imageKind> = {
    backend: 'scripted',
    steps: {
      build: step,
      destroy: async (context) => {
        destroyed.push(context.resource.id);
        return succeeded();
      },
    },
  };
  const cluster: ProviderFor<typeof clusterKind> = {
    backend: 'scripted',
    steps: { launch: step, verify: step, promote: step, destroy: step },
  };
  return {
    destroyed,
    providers: { image, cluster },
    bindings: [bindKind(imageKind, image), bindKind(clusterKind, cluster)],
  };
}

interface StoreSetup {
  open(): Promise<Store>;
  cleanUp(): Promise<void>;
}

function lmdbSetup(): StoreSetup {
  let dir = '';
  return {
    async open() {
      dir = await mkdtemp(join(tmpdir(), 'slipway-references-'));
      return LmdbStore.open({ path: join(dir, 'db') });
    },
    async cleanUp() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function mongoSetup(url: string): StoreSetup {
  const prefix = uniqueDatabaseName('references');
  let databases = 0;
  let dbName = '';
  return {
    async open() {
      dbName = `${prefix}_${++databases}`;
      return MongoStore.open({ url, dbName });
    },
    async cleanUp() {
      const client = await new MongoClient(url).connect();
      await client.db(dbName).dropDatabase();
      await client.close();
    },
  };
}

function describeReferences(name: string, setup: () => StoreSetup, races: number): void {
  describe(name, () => {
    let storeSetup: StoreSetup;
    let store: Store;
    let executor: InlineExecutor;
    let service: ResourceService;
    let scripted: ReturnType<typeof scriptedProviders>;
    /** When set, the service's next create or patch of a resource waits for it before writing. */
    let beforeWrite: (() => Promise<void>) | null;

    /** The real store; its writes of a resource by the service can be held back by `beforeWrite`. */
    function held(real: Store): Store {
      return new Proxy(real, {
        get(target, property) {
          if (property === 'createResource' || property === 'patchResource') {
            return async (...args: unknown[]) => {
              const wait = beforeWrite;
              beforeWrite = null;
              await wait?.();
              return (Reflect.get(target, property, target) as (...a: unknown[]) => Promise<unknown>).apply(
                target,
                args,
              );
            };
          }
          const value: unknown = Reflect.get(target, property, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    }

    beforeEach(async () => {
      beforeWrite = null;
      storeSetup = setup();
      store = await storeSetup.open();
      scripted = scriptedProviders();
      const id = monotonicFactory();
      const { walker } = assembleEngine({ store, bindings: scripted.bindings, newId: () => id() });
      executor = new InlineExecutor({ walker, store, concurrency: 4 });
      service = assembleEngine({
        store: held(store),
        bindings: scripted.bindings,
        newId: () => id(),
      }).service(executor);
    });

    afterEach(async () => {
      await executor.close();
      await store.close();
      await storeSetup.cleanUp();
    });

    async function builtImage(name_: string): Promise<string> {
      const image = await service.create(
        'image',
        { name: name_, spec: { source: '/s', build: 'make' } },
        ADMIN,
      );
      await service.requestRun('image', image.id, { target: 'built' }, ADMIN);
      await executor.idle();
      expect((await store.getResource(image.id))?.state).toBe('built');
      return image.id;
    }

    async function clusterOn(imageId: string, name_: string, target?: string): Promise<string> {
      const cluster = await service.create(
        'cluster',
        { name: name_, spec: { service: 'web', image: imageId, size: 1 } },
        ADMIN,
      );
      if (target) {
        await service.requestRun('cluster', cluster.id, { target }, ADMIN);
        await executor.idle();
      }
      return cluster.id;
    }

    const destroy = (kind: string, id: string) =>
      service.requestRun(kind, id, { target: 'destroyed', reason: 'cleanup', force: true }, ADMIN);

    it('refuses to destroy an image a cluster runs on, naming the cluster, and changes nothing', async () => {
      const imageId = await builtImage('img');
      const live = await clusterOn(imageId, 'live-one', 'live');
      const pending = await clusterOn(imageId, 'pending-one');
      await expect(destroy('image', imageId)).rejects.toMatchObject({
        code: 'resource_in_use',
        details: { referencedBy: [pending, live].sort() },
        message: expect.stringContaining(live),
      });
      expect(await store.getResource(imageId)).toMatchObject({ state: 'built', activeRunId: null });
      expect(scripted.destroyed).toEqual([]);

      await destroy('cluster', pending);
      await executor.idle();
      await expect(destroy('image', imageId)).rejects.toMatchObject({
        code: 'resource_in_use',
        details: { referencedBy: [live] },
      });
      await destroy('cluster', live);
      await executor.idle();
      // A destroyed cluster holds nothing: now the image can go.
      const run = await destroy('image', imageId);
      await executor.idle();
      expect(await store.getRun(run.id)).toMatchObject({ status: 'succeeded' });
      expect(scripted.destroyed).toEqual([imageId]);
    });

    it('a failed cluster holds its image: it could be launched again', async () => {
      const imageId = await builtImage('img');
      const clusterId = await clusterOn(imageId, 'c');
      const cluster = scripted.providers.cluster;
      cluster.steps.launch = async () => ({ ok: false, error: { code: 'launch_failed', message: 'no' } });
      await service.requestRun('cluster', clusterId, { target: 'ready' }, ADMIN);
      await executor.idle();
      expect((await store.getResource(clusterId))?.state).toBe('failed');
      await expect(destroy('image', imageId)).rejects.toMatchObject({
        code: 'resource_in_use',
        details: { referencedBy: [clusterId] },
      });
    });

    it('refuses a cluster on an image that is being destroyed, naming the run', async () => {
      const imageId = await builtImage('img');
      const other = await builtImage('other');
      const clusterId = await clusterOn(other, 'moving');
      const image = scripted.providers.image;
      let release: () => void = () => {};
      let called: () => void = () => {};
      const destroyCalled = new Promise<void>((resolve) => (called = resolve));
      image.steps.destroy = () =>
        new Promise((resolve) => {
          release = () => resolve(succeeded());
          called();
        });
      const run = await destroy('image', imageId);
      await expect(clusterOn(imageId, 'late')).rejects.toMatchObject({
        code: 'run_conflict',
        details: { activeRunId: run.id },
      });
      await expect(
        service.patch(
          'cluster',
          clusterId,
          { spec: { service: 'web', image: imageId, size: 1 } },
          null,
          ADMIN,
        ),
      ).rejects.toMatchObject({ code: 'run_conflict', details: { activeRunId: run.id } });
      expect((await store.getResource(clusterId))?.spec).toMatchObject({ image: other });
      await destroyCalled;
      release();
      await executor.idle();
      expect((await store.getResource(imageId))?.state).toBe('destroyed');
    });

    it('takes back a cluster written after the destroy walk had looked: withdrawn if created, reverted if patched', async () => {
      const other = await builtImage('other');
      const mover = await clusterOn(other, 'mover');
      for (const how of ['create', 'patch'] as const) {
        const imageId = await builtImage(`img-${how}`);
        // The write passed its check and waits; meanwhile the destroy is accepted and walks past
        // its own check into destroying. Then the write lands.
        let passedCheck: () => void = () => {};
        const writing = new Promise<void>((resolve) => (passedCheck = resolve));
        let land: () => void = () => {};
        beforeWrite = () => {
          passedCheck();
          return new Promise<void>((resolve) => (land = resolve));
        };
        const referenced =
          how === 'create'
            ? clusterOn(imageId, 'late')
            : service.patch(
                'cluster',
                mover,
                { spec: { service: 'web', image: imageId, size: 1 } },
                null,
                ADMIN,
              );
        const settled = referenced.then(
          () => null,
          (error: unknown) => error,
        );
        await writing;
        // The destroy step itself waits until the write has been answered.
        let destroyStarted: () => void = () => {};
        const started = new Promise<void>((resolve) => (destroyStarted = resolve));
        let finishDestroy: () => void = () => {};
        const image = scripted.providers.image;
        image.steps.destroy = () =>
          new Promise((resolve) => {
            finishDestroy = () => resolve(succeeded());
            destroyStarted();
          });
        const run = await destroy('image', imageId);
        await started;
        land();
        const refused = await settled;
        expect(refused).toMatchObject({ code: 'run_conflict', details: { activeRunId: run.id } });
        finishDestroy();
        await executor.idle();
        expect(await store.getRun(run.id)).toMatchObject({ status: 'succeeded' });
        expect((await store.getResource(imageId))?.state).toBe('destroyed');
        if (how === 'create') {
          const { withdrawn, withdrawnBy } = (
            refused as { details: { withdrawn: string; withdrawnBy: string } }
          ).details;
          expect(await store.getResource(withdrawn)).toMatchObject({
            state: 'destroyed',
            spec: { image: imageId },
          });
          expect(await store.getRun(withdrawnBy)).toMatchObject({
            status: 'succeeded',
            reason: expect.stringContaining('Withdrawn at creation'),
          });
        } else {
          expect((await store.getResource(mover))?.spec).toMatchObject({ image: other });
        }
      }
    });

    it(`never destroys an image a cluster was created or patched onto in a race (${races} races)`, async () => {
      const spare = await builtImage('spare');
      const images = await Promise.all(Array.from({ length: races }, (_, i) => builtImage(`img-${i}`)));
      // Half the races patch an existing cluster onto the image; half create a new one.
      const movers = await Promise.all(
        images.map((_, i) => (i % 2 === 0 ? clusterOn(spare, `mover-${i}`) : Promise.resolve(null))),
      );
      const outcomes = await Promise.all(
        images.map(async (imageId, i) => {
          const mover = movers[i];
          // Spread the interleavings: one side starts up to a few milliseconds after the other,
          // the reference first in half the races and the destroy first in the other half.
          const lag = (i >> 1) % 6;
          const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));
          const reference = (async () => {
            if (i % 4 >= 2) await pause(lag);
            return mover
              ? service.patch(
                  'cluster',
                  mover,
                  { spec: { service: 'web', image: imageId, size: 1 } },
                  null,
                  ADMIN,
                )
              : clusterOn(imageId, `racer-${i}`);
          })();
          const destroying = (async () => {
            if (i % 4 < 2) await pause(lag);
            return destroy('image', imageId);
          })();
          const [referenced, destroyRequest] = await Promise.allSettled([reference, destroying]);
          return { imageId, referenced, destroyRequest };
        }),
      );
      await executor.idle();
      for (const { imageId, referenced, destroyRequest } of outcomes) {
        const image = await store.getResource(imageId);
        const holders = [];
        for (const cluster of (await store.listResources({ kind: 'cluster', limit: 500 })).items) {
          const fresh = await store.getResource(cluster.id);
          if (fresh?.spec.image === imageId && fresh.state !== 'destroyed') holders.push(fresh.id);
        }
        const destroyDone = image?.state === 'destroyed' || image?.state === 'destroying';
        // Never both: an image gone under a cluster that still names it.
        expect({ imageId, state: image?.state, holders: destroyDone ? holders : [] }).toEqual({
          imageId,
          state: image?.state,
          holders: [],
        });
        // And one of the two was refused: the reference, or the destroy (at request or walk time).
        const destroyRefused =
          destroyRequest.status === 'rejected' ||
          (await store.getRun(destroyRequest.value.id))?.error?.code === 'resource_in_use';
        expect(referenced.status === 'rejected' || destroyRefused).toBe(true);
        expect(destroyDone).toBe(!destroyRefused);
      }
      expect(scripted.destroyed.every((id) => images.includes(id))).toBe(true);
      // Each race is a dozen store round trips; on FerretDB with other suites sharing two cores the
      // whole set has taken past the 30 s default, and a timeout says nothing about references.
    }, 120_000);
  });
}

describeReferences('references on the lmdb store', lmdbSetup, 40);

const mongo = await findMongo();
describeWithService('references on the MongoDB store', mongo, (url) => {
  describeReferences('MongoStore', () => mongoSetup(url), 16);
});
