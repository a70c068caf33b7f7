import { describeWithService, findMongo, uniqueDatabaseName } from '@slipway/acceptance/support/services';
import type { Resource, Run } from '@slipway/domain';
import { MongoClient } from 'mongodb';
import { Type } from 'typebox';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { expectSlipwayError } from '../../testing/expect-slipway-error';
import { aResource, aRun, aTransition, at, race, resourceWithRun } from '../../testing/fixtures';
import { RacerPool } from '../../testing/mongo/racer-pool';
import { describeStoreContract } from '../../testing/store-contract';
import { appendChange, readChange, readHead } from './change-log';
import { buildChange, type ChangeIntent } from './change-writer';
import { purgeIdempotency } from './idempotency-operations';
import { collectionsOf, type MongoCollections } from './mongo-collections';
import { MongoStore } from './mongo-store';
import { advanceProjections } from './projections';
import { toRunDocument } from './run-mapper';

const mongo = await findMongo();
const FILE_DATABASE = uniqueDatabaseName('mongo_store');
/** The start-run hammer: this many trials, each racing RACERS processes with this many starts each. */
const TRIALS = Number(process.env.SLIPWAY_RACE_TRIALS ?? 300);
const RACERS = 2;
const STARTS_PER_RACER = Number(process.env.SLIPWAY_RACE_STARTS ?? 3);
/** About 30 s alone on 2 cores; next to the rest of the suite on a loaded machine it took 98 s. */
const HAMMER_TIMEOUT_MS = 240_000;

describeWithService('MongoStore', mongo, (url) => {
  let databases = 0;
  const opened: string[] = [];
  let admin: MongoClient | null = null;

  /** A database of its own for each test: the contract wants an empty store every time. */
  function freshDatabase(): string {
    const name = `${FILE_DATABASE}_${++databases}`;
    opened.push(name);
    return name;
  }

  async function raw(dbName: string): Promise<MongoCollections> {
    admin ??= await new MongoClient(url).connect();
    return collectionsOf(admin.db(dbName));
  }

  async function dropDatabases(): Promise<void> {
    admin ??= await new MongoClient(url).connect();
    const client = admin;
    await Promise.all(opened.splice(0).map((name) => client.db(name).dropDatabase()));
  }

  afterAll(async () => {
    await dropDatabases();
    await admin?.close();
  });

  describeStoreContract(
    'MongoStore',
    async () => MongoStore.open({ url, dbName: freshDatabase() }),
    dropDatabases,
  );

  describe('MongoDB specifics', () => {
    const stores: MongoStore[] = [];

    async function open(dbName: string): Promise<MongoStore> {
      const store = await MongoStore.open({ url, dbName });
      stores.push(store);
      return store;
    }

    afterEach(async () => {
      await Promise.all(stores.splice(0).map((store) => store.close()));
      await dropDatabases();
    });

    it('keeps only the newest version of a replaced kind-collection entry in storage (a re-encrypted secret leaves no old ciphertext)', async () => {
      const dbName = freshDatabase();
      const store = await open(dbName);
      const sealed = store.collection({
        name: 'setting.versions',
        document: Type.Object({ sealed: Type.String() }),
      });
      await sealed.insert('s1/0000000001', { sealed: 'under-the-old-key' });
      await sealed.replace('s1/0000000001', 1, { sealed: 'under-the-new-key' });
      await sealed.replace('s1/0000000001', 2, { sealed: 'under-the-newest-key' });
      admin ??= await new MongoClient(url).connect();
      const stored = await admin.db(dbName).collection('kind_setting_versions').find({}).toArray();
      expect(stored.map((document) => document.doc)).toEqual([{ sealed: 'under-the-newest-key' }]);
      expect((await sealed.get('s1/0000000001'))?.version).toBe(3);
    });

    /** Appends a change the way a writer does, then "crashes": no projection is written. */
    async function commitWithoutProjecting(dbName: string, resourceId: string, intent: ChangeIntent) {
      const collections = await raw(dbName);
      const head = (await readHead(collections, resourceId))!;
      const change = buildChange(head, intent);
      expect(await appendChange(collections, change)).toBe(true);
      return change;
    }

    /** Deletes everything a trial left, so that the next one runs on collections as small. */
    async function forget(collections: MongoCollections, resourceId: string, runs: Run[]): Promise<void> {
      await collections.changes.deleteMany({ resourceId });
      await collections.runs.deleteMany({ _id: { $in: runs.map((run) => run.id) } });
      await collections.resources.deleteOne({ _id: resourceId });
    }

    /** A transition that releases the name, as the engine records a destroy. */
    async function destroyedTransition(store: MongoStore, name: string) {
      const { resource, run } = await resourceWithRun(store, { name, labels: { env: 'prod' } });
      const transition = aTransition(resource, run, { to: 'destroyed', endedAt: at(30) });
      const moved: Resource = {
        ...resource,
        state: 'destroyed',
        seq: 1,
        version: resource.version + 1,
        status: { ...resource.status, gone: true },
        updatedAt: at(30),
      };
      const intent: ChangeIntent = { op: 'transition', resource: moved, transition, releaseName: true };
      return { resource, run, transition, moved, intent };
    }

    it('repairs the projections a crash left behind a committed transition when it is reopened', async () => {
      const dbName = freshDatabase();
      const first = await open(dbName);
      const { resource, transition, moved, intent } = await destroyedTransition(first, 'crashy');
      await commitWithoutProjecting(dbName, resource.id, intent);
      // The listings read projections, which the "crashed" writer never wrote.
      expect((await first.listTransitions({ resourceId: resource.id, limit: 5 })).items).toEqual([]);
      expect((await first.listResources({ kind: 'image', state: 'destroyed', limit: 5 })).items).toEqual([]);
      await first.close();

      const second = await open(dbName);
      expect((await second.listTransitions({ resourceId: resource.id, limit: 5 })).items).toEqual([
        transition,
      ]);
      expect(
        (await second.listResources({ kind: 'image', labels: { env: 'prod' }, limit: 5 })).items,
      ).toEqual([moved]);
      expect(await second.getResource(resource.id)).toEqual(moved);
      const successor = aResource({ name: 'crashy' });
      await second.createResource(successor);
      expect(await second.getResource(successor.id)).toEqual(successor);
      expect(await second.reconcile()).toEqual({ resources: 0 });
    });

    it('reads a resource from its log while the projection lags, refuses a stale writer, and repairs the lag', async () => {
      const dbName = freshDatabase();
      const store = await open(dbName);
      const { resource, run, transition, moved, intent } = await destroyedTransition(store, 'lagging');
      await commitWithoutProjecting(dbName, resource.id, intent);
      expect((await store.listTransitions({ resourceId: resource.id, limit: 5 })).items).toEqual([]);

      await expectSlipwayError(
        store.recordTransition({ transition: aTransition(resource, run, { to: 'elsewhere' }) }),
        'version_conflict',
      );
      expect(await store.getResource(resource.id)).toEqual(moved);
      expect((await store.listTransitions({ resourceId: resource.id, limit: 5 })).items).toEqual([
        transition,
      ]);
      expect((await store.listResources({ kind: 'image', state: 'destroyed', limit: 5 })).items).toEqual([
        moved,
      ]);
      await store.createResource(aResource({ name: 'lagging' }));
    });

    it('repairs a finished run that a crash left listed as unfinished when it is reopened', async () => {
      const dbName = freshDatabase();
      const first = await open(dbName);
      const { resource, run } = await resourceWithRun(first);
      const finished = { ...run, status: 'succeeded' as const, finishedAt: at(9), durationMs: 8000 };
      const freed = { ...resource, activeRunId: null, version: resource.version + 1, updatedAt: at(9) };
      await commitWithoutProjecting(dbName, resource.id, {
        op: 'finish-run',
        run: finished,
        resource: freed,
      });
      expect((await first.listUnfinishedRuns()).map((r) => r.id)).toEqual([run.id]);
      await first.close();

      const second = await open(dbName);
      expect(await second.listUnfinishedRuns()).toEqual([]);
      expect((await second.listResources({ kind: 'image', limit: 5 })).items).toEqual([freed]);
      expect(await second.getRun(run.id)).toEqual(finished);
      const next = aRun(freed);
      await second.startRun(next);
      expect(await second.getResource(resource.id)).toMatchObject({ activeRunId: next.id });
    });

    it('answers for a finished run from the log when a slow writer set its projection back', async () => {
      // FerretDB v1 applies no conditional write atomically, so a slow writer's write of an older
      // version can land after a newer one. Reads of one run must not show it.
      const dbName = freshDatabase();
      const store = await open(dbName);
      const { run } = await resourceWithRun(store);
      const running = await store.updateRun(run.id, ['queued'], { status: 'running', startedAt: at(2) });
      const end = {
        status: 'failed' as const,
        error: { code: 'x', message: 'y' },
        finishedAt: at(5),
        durationMs: 3,
      };
      const finished = await store.finishRun(run.id, ['running'], end);
      const collections = await raw(dbName);
      const { _id, ...setBack } = toRunDocument(running!, 2);
      await collections.runs.replaceOne({ _id }, setBack);

      expect(await store.getRun(run.id)).toEqual(finished);
      await expect(store.updateRun(run.id, ['running'], { step: 'late' })).resolves.toBeNull();
      await expect(store.finishRun(run.id, ['running'], end)).resolves.toBeNull();
    });

    it('leaves the projections at the head when a slow writer set them back and went on', async () => {
      const dbName = freshDatabase();
      const store = await open(dbName);
      const { resource, run } = await resourceWithRun(store);
      const built = await store.recordTransition({ transition: aTransition(resource, run, { to: 'built' }) });
      const finished = await store.finishRun(run.id, ['queued'], {
        status: 'succeeded',
        error: null,
        finishedAt: at(4),
        durationMs: 3,
      });
      const collections = await raw(dbName);
      // What a writer of change 1 (the start) does when its write lands after everyone else's...
      const started = (await readChange(collections, resource.id, 1))!;
      const { _id: resourceId, ...oldResource } = started.resource;
      await collections.resources.replaceOne({ _id: resourceId }, oldResource);
      const { _id: runId, ...oldRun } = started.run!;
      await collections.runs.replaceOne({ _id: runId }, oldRun);
      expect((await store.listResources({ kind: 'image', limit: 5 })).items).toEqual([
        { ...resource, activeRunId: run.id, version: 2 },
      ]);
      expect((await store.listUnfinishedRuns()).map((r) => r.id)).toEqual([run.id]);

      // ...and then it goes on from the change after its own until the log ends.
      await advanceProjections(collections, resource.id, 2);
      expect((await store.listResources({ kind: 'image', limit: 5 })).items).toEqual([
        { ...built, activeRunId: null, version: built.version + 1, updatedAt: at(4) },
      ]);
      expect(await store.listUnfinishedRuns()).toEqual([]);
      expect(await store.getRun(run.id)).toEqual(finished);
    });

    it('creates its indexes idempotently: a second open over the same database changes nothing', async () => {
      const dbName = freshDatabase();
      const first = await open(dbName);
      const collections = await raw(dbName);
      const indexed = [collections.resources, collections.runs, collections.transitions];
      const indexes = async () => {
        const described: Record<string, unknown[]> = {};
        for (const collection of indexed) {
          const list = await collection.listIndexes().toArray();
          described[collection.collectionName] = list.map((index) => [
            index.name,
            index.key,
            index.unique ?? false,
          ]);
        }
        return described;
      };
      const before = await indexes();
      expect(before.transitions).toContainEqual(['resourceId_seq_unique', { resourceId: 1, seq: 1 }, true]);
      expect(before.resources).toContainEqual(['nameKey_unique', { nameKey: 1 }, true]);
      const resource = aResource();
      await first.createResource(resource);

      const second = await open(dbName);
      expect(await indexes()).toEqual(before);
      expect(await second.getResource(resource.id)).toEqual(resource);
    });

    it(
      'lets exactly one of two processes start a run on a resource, trial after trial',
      async () => {
        // Each process is a long-lived store of its own, as two API replicas are; the race these
        // trials hunt (two writers projecting the same change at once) showed once in tens of
        // trials, so only hundreds of them make a regression fail reliably.
        const dbName = freshDatabase();
        const store = await open(dbName);
        const collections = await raw(dbName);
        const pool = await RacerPool.start(RACERS, url, dbName);
        const tally = {
          trials: 0,
          oneWinner: 0,
          winnerIsActive: 0,
          refusedAsConflict: 0,
          other: [] as string[],
        };
        try {
          for (let trial = 0; trial < TRIALS; trial++) {
            const resource = aResource();
            await store.createResource(resource);
            const runs = Array.from({ length: RACERS }, () =>
              Array.from({ length: STARTS_PER_RACER }, () => aRun(resource)),
            );
            const outcomes = (await pool.trial(trial, runs)).flatMap((answer) => answer.outcomes);
            const winners = outcomes.filter((outcome) => outcome.ok);
            const active = (await store.getResource(resource.id))?.activeRunId;
            tally.trials++;
            if (winners.length === 1) tally.oneWinner++;
            if (winners.length === 1 && winners[0]!.runId === active) tally.winnerIsActive++;
            for (const outcome of outcomes) {
              if (outcome.ok) continue;
              if (
                outcome.slipway &&
                outcome.code === 'run_conflict' &&
                outcome.details.activeRunId === active
              ) {
                tally.refusedAsConflict++;
              } else {
                tally.other.push(`trial ${trial}: ${JSON.stringify(outcome)}`);
              }
            }
            // Every read on FerretDB scans its collection, so the trials would slow down as they pile up.
            await forget(collections, resource.id, runs.flat());
          }
          await pool.close();
        } finally {
          pool.kill();
        }
        const starts = RACERS * STARTS_PER_RACER;
        expect(tally, pool.stderr()).toEqual({
          trials: TRIALS,
          oneWinner: TRIALS,
          winnerIsActive: TRIALS,
          refusedAsConflict: TRIALS * (starts - 1),
          other: [],
        });
      },
      HAMMER_TIMEOUT_MS,
    );

    it('loses no write that lost a race but still holds: it appends after the winner', async () => {
      const dbName = freshDatabase();
      const [one, two] = [await open(dbName), await open(dbName)];
      const { resource, run } = await resourceWithRun(one, {}, { status: 'running' });
      const steps = Array.from({ length: 10 }, (_, i) => `step-${i}`);
      const updates = race(steps.length, (i) =>
        (i % 2 === 0 ? one : two).updateRun(run.id, ['running'], { step: steps[i]!, attempt: i }),
      );
      const transitions = (async () => {
        for (let i = 0; i < 5; i++) {
          const current = (await two.getResource(resource.id))!;
          await one.recordTransition({ transition: aTransition(current, run, { to: `state-${i}` }) });
        }
      })();
      const [{ won, lost }] = await Promise.all([updates, transitions]);
      expect(lost).toEqual([]);
      expect(won.every((w) => w.value !== null)).toBe(true);
      expect(await one.getResource(resource.id)).toMatchObject({
        state: 'state-4',
        seq: 5,
        version: resource.version + 5,
        activeRunId: run.id,
      });
      expect((await two.listTransitions({ resourceId: resource.id, limit: 10 })).items).toHaveLength(5);
      expect(steps).toContain((await two.getRun(run.id))!.step);
      const collections = await raw(dbName);
      // start + 10 updates + 5 transitions, each at its own position, and nothing beyond.
      expect(await readHead(collections, resource.id)).toMatchObject({ pos: 16, projectedPos: 16 });
    });

    it('purges lapsed keys, legacy records and old markers without fetching what it keeps', async () => {
      const dbName = freshDatabase();
      const store = await open(dbName);
      const live = (name: string, seconds: number) => ({
        claimId: `${name}-claim`,
        owner: 'host/1/a',
        expiresAt: at(seconds),
      });
      const reply = (body: string) => ({ status: 201, headers: {}, body });
      await store.reserveIdempotency('held', 'fp', live('held', 1000), at(0));
      await store.reserveIdempotency('kept', 'fp', live('kept', 10), at(0));
      await store.completeIdempotency('kept', 'kept-claim', {
        fingerprint: 'fp',
        response: reply('KEPT-BODY'),
        keepUntil: at(5000),
      });
      await store.reserveIdempotency('lapsed', 'fp', live('lapsed', 10), at(0));
      await store.completeIdempotency('lapsed', 'lapsed-claim', {
        fingerprint: 'fp',
        response: reply('LAPSED'),
        keepUntil: at(50),
      });
      const collections = await raw(dbName);
      const hour = 60 * 60_000;
      await collections.idempotency.insertMany([
        { _id: 'legacy-reserved', state: 'reserved', fingerprint: 'fp', reservedAt: at(0) },
        {
          _id: 'legacy-completed',
          state: 'completed',
          fingerprint: 'fp',
          response: { status: 200, headersJson: '{}', body: 'OLD' },
        },
        {
          _id: 'old-marker',
          state: 'superseding',
          key: 'gone',
          expiresAt: new Date(Date.now() - 2 * hour).toISOString(),
        },
        {
          _id: 'new-marker',
          state: 'superseding',
          key: 'busy',
          expiresAt: new Date(Date.now() + 30_000).toISOString(),
        },
      ]);

      const watched = await new MongoClient(url, { monitorCommands: true }).connect();
      const fetched: string[] = [];
      watched.on('commandSucceeded', (event) => {
        if (event.commandName === 'find' || event.commandName === 'getMore')
          fetched.push(JSON.stringify(event.reply));
      });
      try {
        expect(await purgeIdempotency(collectionsOf(watched.db(dbName)), at(100))).toBe(3);
      } finally {
        await watched.close();
      }

      const records = await collections.idempotency.find({ state: { $ne: 'superseding' } }).toArray();
      expect(records.map((document) => document._id).sort()).toEqual(['held', 'kept']);
      expect(await collections.idempotency.findOne({ _id: 'old-marker' })).toBeNull();
      expect(await collections.idempotency.findOne({ _id: 'new-marker' })).not.toBeNull();
      // A live record's stored response stays in the database: the purge never reads it.
      expect(fetched.join('\n')).not.toContain('KEPT-BODY');
    });

    it('answers service_unavailable once closed', async () => {
      const store = await open(freshDatabase());
      await store.close();
      await store.close();
      await expectSlipwayError(store.ping(), 'service_unavailable');
      await expectSlipwayError(store.getResource('any'), 'service_unavailable');
    });
  });
});

describe('MongoStore.open with a bad MONGO_URL', () => {
  it('refuses a URL that is not a MongoDB connection string, naming MONGO_URL', async () => {
    await expect(MongoStore.open({ url: 'http://127.0.0.1:27017/' })).rejects.toThrow(
      /^MONGO_URL is not a usable/,
    );
  });

  it('fails when no server answers, naming MONGO_URL and hiding the password', async () => {
    const error = await MongoStore.open({
      url: 'mongodb://ops:s3cret@127.0.0.1:9/slipway',
      serverSelectionTimeoutMS: 300,
    }).then(
      () => null,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /^MONGO_URL: no MongoDB server answered at mongodb:\/\/\*\*\*@127\.0\.0\.1:9\/slipway/,
    );
    expect((error as Error).message).not.toContain('s3cret');
  });
});
