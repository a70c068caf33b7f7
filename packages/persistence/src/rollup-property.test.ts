import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { describeWithService, findMongo, uniqueDatabaseName } from '@slipway/acceptance/support/services';
import {
  type AnalyticsStore,
  factOfRun,
  factOfTransition,
  RELATIVE_ERROR,
  type RollupBucket,
  type RollupFact,
  type RunStore,
  statsOf,
} from '@slipway/domain';
import { MongoClient } from 'mongodb';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { allRecords, bucketsFromRecords, sortBuckets } from '../testing/rollup-records';
import type { RollupWriterPlan } from '../testing/rollup-writer';
import { LmdbStore } from './embedded/lmdb-store';
import { FAULT_EXIT_CODE } from './mongo/fault-point';
import { collectionsOf } from './mongo/mongo-collections';
import { MongoStore } from './mongo/mongo-store';

const ROOT = resolve(import.meta.dirname, '../../..');
const WRITER = join(import.meta.dirname, '../testing/rollup-writer.ts');
const PROCESS_TESTS_MS = 240_000;
const mongo = await findMongo();
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function startWriter(plan: RollupWriterPlan) {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, JSON.stringify(plan)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'test' },
  });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let written = 0;
  const lines = createInterface({ input: child.stdout });
  lines.on('line', () => {
    written++;
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as string | null,
    stderr,
  }));
  return { child, exited, written: () => written };
}

async function runWriters(plans: RollupWriterPlan[]): Promise<void> {
  const results = await Promise.all(plans.map((plan) => startWriter(plan).exited));
  for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 });
}

type Series = Pick<RollupFact, 'kind' | 'target' | 'step'>;

function seriesKey(series: Series): string {
  return `${series.kind}/${series.target}/${series.step}`;
}

/** Nearest rank, as the rollups answer: the ⌈q·n⌉-th smallest. */
function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

/**
 * The property: per series (kind, target, step), counts, failures and means from the buckets are
 * exact and each percentile within 2 % of a brute-force computation over the raw records; the
 * buckets themselves equal a recomputation from the records.
 */
async function expectRollupsAgreeWithRecords(
  store: RunStore & AnalyticsStore,
  minSeries = 4,
): Promise<RollupBucket[]> {
  const buckets = sortBuckets(await store.listRollupBuckets({}));
  const { runs, transitions } = await allRecords(store);
  expect(buckets).toEqual(bucketsFromRecords(runs, transitions));
  const facts = [...runs.map(factOfRun), ...transitions.map(factOfTransition)].filter(
    (fact): fact is RollupFact => fact !== null,
  );
  const keys = new Set(facts.map(seriesKey));
  expect(keys.size).toBeGreaterThanOrEqual(minSeries);
  for (const key of keys) {
    const mine = facts.filter((fact) => seriesKey(fact) === key);
    const stats = statsOf(buckets.filter((bucket) => seriesKey(bucket) === key));
    const sorted = mine.map((fact) => fact.durationMs).sort((a, b) => a - b);
    expect(stats.count, key).toBe(mine.length);
    expect(stats.failures, key).toBe(mine.filter((fact) => fact.outcome === 'failed').length);
    expect(stats.meanMs, key).toBeCloseTo(sorted.reduce((sum, ms) => sum + ms, 0) / sorted.length, 9);
    expect(stats.maxMs, key).toBe(sorted.at(-1));
    for (const [q, value] of [
      [0.5, stats.p50Ms],
      [0.9, stats.p90Ms],
      [0.95, stats.p95Ms],
      [0.99, stats.p99Ms],
    ] as const) {
      const exact = exactQuantile(sorted, q);
      // statsOf rounds to hundredths of a millisecond.
      expect(Math.abs(value! - exact), `${key} p${q * 100}: ${value} vs ${exact}`).toBeLessThanOrEqual(
        RELATIVE_ERROR * exact + 0.005,
      );
    }
  }
  return buckets;
}

/** At most this many buckets per hour: image (run, build) and cluster (run, launch, verify) × 2 services, × 2 outcomes. */
const KEYS_PER_HOUR = (2 + 3 * 2) * 2;

describe('rollups on lmdb, written by several processes at once', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  async function freshPath(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-rollups-'));
    dirs.push(dir);
    return dir;
  }

  it(
    'agree with the raw records (exact counts and means, percentiles within 2 %), and grow with buckets, not runs',
    async () => {
      const path = await freshPath();
      await runWriters(
        [1, 2, 3, 4].map((seed) => ({ store: { type: 'lmdb' as const, path }, seed, runs: 60 })),
      );
      const store = await LmdbStore.open({ path });
      try {
        const before = await expectRollupsAgreeWithRecords(store);
        await store.close();
        await runWriters(
          [5, 6].map((seed) => ({ store: { type: 'lmdb' as const, path }, seed, runs: 60, hours: 1 })),
        );
        const again = await LmdbStore.open({ path });
        const after = await expectRollupsAgreeWithRecords(again);
        await again.close();
        // 120 more runs (240 more facts: each run and its step) add at most the one hour's possible keys.
        expect(after.length - before.length).toBeLessThanOrEqual(KEYS_PER_HOUR);
        expect(after.reduce((n, b) => n + b.count, 0) - before.reduce((n, b) => n + b.count, 0)).toBe(240);
      } finally {
        await store.close();
      }
    },
    PROCESS_TESTS_MS,
  );

  it(
    'agree with the raw records after a writer is killed with SIGKILL mid-history',
    async () => {
      const path = await freshPath();
      const writer = startWriter({ store: { type: 'lmdb', path }, seed: 9, runs: 400 });
      while (writer.written() < 20) await new Promise((done) => setTimeout(done, 20));
      writer.child.kill('SIGKILL');
      expect((await writer.exited).signal).toBe('SIGKILL');
      const store = await LmdbStore.open({ path });
      try {
        const { runs } = await allRecords(store);
        expect(runs.length).toBeLessThan(400);
        await expectRollupsAgreeWithRecords(store);
      } finally {
        await store.close();
      }
    },
    PROCESS_TESTS_MS,
  );
});

describeWithService('rollups on the MongoDB store, written by several processes at once', mongo, (url) => {
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
  function freshDatabase(): string {
    const name = uniqueDatabaseName('rollups');
    databases.push(name);
    return name;
  }

  it(
    'agree with the raw records while compactors race (exact counts and means, percentiles within 2 %), and grow with buckets, not runs',
    async () => {
      const dbName = freshDatabase();
      const target = { type: 'mongo' as const, url, dbName };
      await runWriters([1, 2, 3, 4].map((seed) => ({ store: target, seed, runs: 25 })));
      const store = await MongoStore.open({ url, dbName, compactRollupsEveryMs: 0 });
      try {
        // Unfolded deltas and folded buckets read together, then everything folded.
        const before = await expectRollupsAgreeWithRecords(store);
        await store.compactRollups();
        expect(sortBuckets(await store.listRollupBuckets({}))).toEqual(before);
        const collections = collectionsOf(admin.db(dbName));
        expect(await collections.rollupDeltas.countDocuments()).toBe(0);
        expect(await collections.rollupBuckets.countDocuments()).toBe(before.length);
        await runWriters([5, 6].map((seed) => ({ store: target, seed, runs: 25, hours: 1 })));
        await store.compactRollups();
        const after = await expectRollupsAgreeWithRecords(store);
        expect(await collections.rollupBuckets.countDocuments()).toBe(after.length);
        expect(after.length - before.length).toBeLessThanOrEqual(KEYS_PER_HOUR);
        expect(after.reduce((n, b) => n + b.count, 0) - before.reduce((n, b) => n + b.count, 0)).toBe(100);
      } finally {
        await store.close();
      }
    },
    PROCESS_TESTS_MS,
  );

  it(
    'agree with the raw records after a crash between the transition write and its rollup delta',
    async () => {
      const dbName = freshDatabase();
      const writer = startWriter({
        store: { type: 'mongo', url, dbName },
        seed: 11,
        runs: 3,
        fault: 'mongo:before-rollup-delta',
      });
      expect(await writer.exited).toMatchObject({ code: FAULT_EXIT_CODE });
      const collections = collectionsOf(admin.db(dbName));
      // Just before the restart: the step's transition is recorded, its delta is not.
      const steps = await collections.transitions.find({ step: { $ne: null } }).toArray();
      expect(steps).toHaveLength(3);
      const deltas = await collections.rollupDeltas.find({ _id: { $regex: '^step:' } }).toArray();
      expect(deltas).toHaveLength(2);
      // Opening the store runs the recovery sweep, which replays the unprojected change.
      const store = await MongoStore.open({ url, dbName, compactRollupsEveryMs: 0 });
      try {
        await expectRollupsAgreeWithRecords(store, 1);
        expect(await collections.rollupDeltas.countDocuments({ _id: { $regex: '^step:' } })).toBe(3);
      } finally {
        await store.close();
      }
    },
    PROCESS_TESTS_MS,
  );
});
