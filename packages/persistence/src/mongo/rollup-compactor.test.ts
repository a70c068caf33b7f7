import { describeWithService, findMongo, uniqueDatabaseName } from '@slipway/acceptance/support/services';
import { MongoClient } from 'mongodb';
import { afterAll, expect, it } from 'vitest';
import { bulkLoadMongo } from '../../testing/bulk-history';
import { allRecords, bucketsFromRecords, sortBuckets } from '../../testing/rollup-records';
import { collectionsOf } from './mongo-collections';
import { MongoStore } from './mongo-store';
import { commitCompaction, prepareCompaction } from './rollup-compactor';

const mongo = await findMongo();
/** Bulk loading and folding some thousands of deltas on FerretDB, on a busy 2-core machine. */
const COMPACTION_TESTS_MS = 240_000;
/** About 2,900 deltas (a run fact and one per answered step). */
const BACKLOG_TRANSITIONS = 4000;
const FAST_BATCH = 1000;

describeWithService('MongoDB rollup compaction with a late compactor', mongo, (url) => {
  const admin = new MongoClient(url);
  const databases: string[] = [];
  afterAll(async () => {
    for (const name of databases)
      await admin
        .db(name)
        .dropDatabase()
        .catch(() => undefined);
    await admin.close();
  });

  it(
    'loses no count when a compactor prepared a big batch, stalled while two others committed, then commits',
    async () => {
      const dbName = uniqueDatabaseName('late_compactor');
      databases.push(dbName);
      await bulkLoadMongo(url, dbName, BACKLOG_TRANSITIONS);
      const collections = collectionsOf(admin.db(dbName));
      const backlog = await collections.rollupDeltas.countDocuments();
      expect(backlog).toBeGreaterThan(2 * FAST_BATCH);
      // The slow one takes the whole backlog on top of generation 0, then stalls.
      const slow = await prepareCompaction(collections, 10 * backlog);
      expect(slow.generation.folded).toHaveLength(backlog);
      // Two fast ones fold part of it each: generations 1 and 2, and the second deletes the first.
      for (const generation of [1, 2]) {
        const fast = await prepareCompaction(collections, FAST_BATCH);
        expect(await commitCompaction(collections, fast)).toEqual({ folded: FAST_BATCH, generation });
      }
      expect(await collections.rollupDeltas.countDocuments()).toBe(backlog - 2 * FAST_BATCH);
      // The slow one wakes up and commits generation 1 again, which nobody holds any more.
      const late = await commitCompaction(collections, slow);
      const store = await MongoStore.open({ url, dbName, compactRollupsEveryMs: 0 });
      try {
        const { runs, transitions } = await allRecords(store);
        const expected = bucketsFromRecords(runs, transitions);
        expect(sortBuckets(await store.listRollupBuckets({}))).toEqual(expected);
        // It withdrew: the generation was no longer its to win.
        expect(late).toEqual({ folded: 0, generation: 2 });
        expect(await collections.rollupDeltas.countDocuments()).toBe(backlog - 2 * FAST_BATCH);
        // And what it left behind folds like any backlog.
        while ((await store.compactRollups()).folded > 0);
        expect(await collections.rollupDeltas.countDocuments()).toBe(0);
        expect(sortBuckets(await store.listRollupBuckets({}))).toEqual(expected);
      } finally {
        await store.close();
      }
    },
    COMPACTION_TESTS_MS,
  );
});
