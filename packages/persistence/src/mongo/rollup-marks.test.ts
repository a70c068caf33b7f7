import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { describeWithService, findMongo, uniqueDatabaseName } from '@slipway/acceptance/support/services';
import { MongoClient } from 'mongodb';
import { afterAll, afterEach, expect, it } from 'vitest';
import { aResource, aRun, aTransition, at } from '../../testing/fixtures';
import { allRecords, bucketsFromRecords, sortBuckets } from '../../testing/rollup-records';
import { changeId } from './change-document';
import { FAULT_EXIT_CODE } from './fault-point';
import { KEEP_APPLIED, PRUNE_EVERY } from './log-pruning';
import { collectionsOf } from './mongo-collections';
import { MongoStore } from './mongo-store';
import { compactRollups } from './rollup-compactor';

const mongo = await findMongo();
const ROOT = resolve(import.meta.dirname, '../../../..');
const WRITER = join(import.meta.dirname, '../../testing/rollup-writer.ts');
/** Hundreds of writes and child processes on FerretDB, on a busy 2-core machine. */
const MARK_TESTS_MS = 240_000;
/** A run is four changes (start, two transitions, finish) and two facts (its step and its end). */
const CHANGES_PER_RUN = 4;
const FACTS_PER_RUN = 2;
/** What the log of one resource still holds at most, so what its marks may still be needed for. */
const LOGGED_CHANGES = PRUNE_EVERY + KEEP_APPLIED;

describeWithService('MongoDB folded rollup marks', mongo, (url) => {
  const admin = new MongoClient(url);
  const databases: string[] = [];
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });
  afterAll(async () => {
    for (const name of databases)
      await admin
        .db(name)
        .dropDatabase()
        .catch(() => undefined);
    await admin.close();
  });
  function freshDatabase(): string {
    const name = uniqueDatabaseName('folded_marks');
    databases.push(name);
    return name;
  }

  it(
    'stay bounded by what the change log still holds, however many runs are folded',
    async () => {
      const dbName = freshDatabase();
      const store = await MongoStore.open({ url, dbName, compactRollupsEveryMs: 0, foldedMarkHorizonMs: 0 });
      const collections = collectionsOf(admin.db(dbName));
      try {
        let resource = aResource({ kind: 'image' });
        await store.createResource(resource);
        const marks: number[] = [];
        for (let i = 1; i <= 80; i++) {
          const run = aRun(resource, { target: 'built', groups: { provider: 'local' } });
          await store.startRun(run);
          resource = await store.recordTransition({
            transition: aTransition(resource, run, { to: 'building', outcome: 'requested' }),
          });
          resource = await store.recordTransition({
            transition: aTransition(resource, run, { to: 'built', step: 'build', durationMs: 100 + i }),
          });
          await store.finishRun(run.id, ['queued'], {
            status: 'succeeded',
            error: null,
            finishedAt: at(10 + i),
            durationMs: 2000 + i,
          });
          resource = (await store.getResource(resource.id))!;
          if (i % 10 === 0) {
            await store.compactRollups();
            marks.push(await collections.rollupFolded.countDocuments());
          }
        }
        const { runs, transitions } = await allRecords(store);
        expect(sortBuckets(await store.listRollupBuckets({}))).toEqual(bucketsFromRecords(runs, transitions));
        expect(runs).toHaveLength(80);
        // 160 facts folded; only those whose change may still be replayed keep a mark.
        const bound = (LOGGED_CHANGES / CHANGES_PER_RUN + 10) * FACTS_PER_RUN;
        expect(Math.max(...marks), `marks after every 10 runs: ${marks}`).toBeLessThanOrEqual(bound);
        expect(bound).toBeLessThan(80 * FACTS_PER_RUN);
      } finally {
        await store.close();
      }
    },
    MARK_TESTS_MS,
  );

  it(
    'still count a delta once when a crash left its change unprojected, the restart replays it, and a set-back projection replays it again later',
    async () => {
      const dbName = freshDatabase();
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          WRITER,
          JSON.stringify({
            store: { type: 'mongo', url, dbName },
            seed: 5,
            runs: 3,
            fault: 'mongo:after-rollup-deltas',
          }),
        ],
        { cwd: ROOT, stdio: 'ignore', env: { ...process.env, NODE_ENV: 'test' } },
      );
      children.push(child);
      const [code] = await once(child, 'exit');
      expect(code).toBe(FAULT_EXIT_CODE);
      const collections = collectionsOf(admin.db(dbName));
      // Just before: the last step's delta is in, the resource document still behind its change.
      expect(await collections.rollupDeltas.countDocuments({ _id: { $regex: '^step:' } })).toBe(3);
      let crashed: { _id: string; change: string } | undefined;
      for (const delta of await collections.rollupDeltas.find({ _id: { $regex: '^step:' } }).toArray()) {
        const [resourceId, pos] = delta.change!.split('@');
        const projected = await collections.resources.findOne({ _id: resourceId! });
        if (projected!.pos < Number(pos)) crashed = { _id: delta._id, change: delta.change! };
      }
      expect(crashed).toBeDefined();
      // Folded (marks of it pruned wherever they may be) before anything replays the change.
      expect((await compactRollups(collections, { markHorizonMs: 0 })).folded).toBeGreaterThan(0);
      expect(await collections.rollupDeltas.countDocuments()).toBe(0);
      // Opening replays the unprojected change, which inserts its delta again.
      const store = await MongoStore.open({ url, dbName, compactRollupsEveryMs: 0, foldedMarkHorizonMs: 0 });
      try {
        const { runs, transitions } = await allRecords(store);
        expect(sortBuckets(await store.listRollupBuckets({}))).toEqual(bucketsFromRecords(runs, transitions));
        // Later generations that no longer list those deltas as folded.
        for (let i = 0; i < 2; i++) {
          const resource = aResource({ kind: 'image' });
          await store.createResource(resource);
          const run = aRun(resource, { target: 'built', groups: { provider: 'local' } });
          await store.startRun(run);
          await store.finishRun(run.id, ['queued'], {
            status: 'succeeded',
            error: null,
            finishedAt: at(60 + i),
            durationMs: 3000,
          });
          await store.compactRollups();
        }
        // A slow writer sets the crashed resource's projection back before that change, and the
        // next read replays it once more: only the delta's mark keeps it from counting twice.
        const change = await collections.changes.findOne({ _id: crashed!.change });
        const before = await collections.changes.findOne({
          _id: changeId(change!.resourceId, change!.pos - 1),
        });
        await collections.resources.replaceOne({ _id: change!.resourceId }, before!.resource);
        await store.getResource(change!.resourceId);
        expect(await collections.rollupDeltas.countDocuments({ _id: crashed!._id })).toBe(1);
        const after = await allRecords(store);
        const expected = bucketsFromRecords(after.runs, after.transitions);
        expect(sortBuckets(await store.listRollupBuckets({}))).toEqual(expected);
        await store.compactRollups();
        expect(sortBuckets(await store.listRollupBuckets({}))).toEqual(expected);
      } finally {
        await store.close();
      }
    },
    MARK_TESTS_MS,
  );
});
