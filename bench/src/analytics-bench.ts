import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AnalyticsReads,
  type AnalyticsStore,
  clusterKind,
  imageKind,
  KindRegistry,
  type RunStore,
} from '@slipway/domain';
import { LmdbStore, MongoStore } from '@slipway/persistence';
import { bulkLoadLmdb, bulkLoadMongo } from '@slipway/persistence/testing/bulk-history';
import { type RecordVisitor, scanLmdbRecords, scanMongoRecords } from '@slipway/persistence/testing/raw-scan';
import { MongoClient } from 'mongodb';
import { DurationsScan, disagreements } from './analytics-scan';

export interface AnalyticsBenchStoreResult {
  store: 'lmdb' | 'mongodb';
  transitions: number;
  runs: number;
  loadSeconds: number;
  /** Median of the durations query (cluster deploy time, whole range, grouped by service). */
  rollupQueryMs: number;
  /**
   * The same report (per service: the runs' and each step's count, failures, mean, p50…p99, max;
   * MTBF, MTTR) from one sequential pass over the raw runs and transitions, read from the store's
   * own files or collections.
   */
  bruteForceScanMs: number;
  speedup: number;
}

export const ANALYTICS_GOAL = { maxQueryMs: 20, minSpeedup: 100 };
const ADMIN = { id: 'bench', permissions: ['admin'] };
const QUERY = { kind: 'cluster', groupBy: 'service' } as const;
const SCAN = { kind: QUERY.kind };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function time<T>(action: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await action();
  return { ms: performance.now() - started, value };
}

async function measure(
  name: 'lmdb' | 'mongodb',
  store: RunStore & AnalyticsStore,
  loaded: { runs: number; transitions: number },
  loadSeconds: number,
  queries: number,
  scanRecords: (visit: RecordVisitor) => Promise<void>,
): Promise<AnalyticsBenchStoreResult> {
  const analytics = new AnalyticsReads({ store, kinds: new KindRegistry([imageKind, clusterKind]) });
  await analytics.durations(QUERY, ADMIN);
  const samples: number[] = [];
  let report = await analytics.durations(QUERY, ADMIN);
  for (let i = 0; i < queries; i++) {
    const { ms, value } = await time(() => analytics.durations(QUERY, ADMIN));
    samples.push(ms);
    report = value;
  }
  const scan = await time(async () => {
    const visitor = new DurationsScan({ target: report.target!, groupBy: QUERY.groupBy });
    await scanRecords(visitor);
    return visitor.result();
  });
  // The two must agree on every figure, or the comparison means nothing.
  const problems = disagreements(report, scan.value);
  if (problems.length > 0) throw new Error(`${name}: rollups and scan disagree:\n${problems.join('\n')}`);
  const rollupQueryMs = median(samples);
  return {
    store: name,
    ...loaded,
    loadSeconds,
    rollupQueryMs: Math.round(rollupQueryMs * 100) / 100,
    bruteForceScanMs: Math.round(scan.ms),
    speedup: Math.round(scan.ms / rollupQueryMs),
  };
}

/** 1,000,000 transitions on lmdb; the MongoDB-protocol server at `mongoTransitions` (FerretDB scans). */
export async function runAnalyticsBench(
  lmdbTransitions: number,
  mongoTransitions: number,
): Promise<{ results: AnalyticsBenchStoreResult[]; skipped: string | null }> {
  const results: AnalyticsBenchStoreResult[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'slipway-bench-analytics-'));
  try {
    const path = join(dir, 'db');
    const load = await time(() => bulkLoadLmdb(path, lmdbTransitions));
    const store = await LmdbStore.open({ path });
    try {
      results.push(
        await measure('lmdb', store, load.value, load.ms / 1000, 21, (visit) =>
          scanLmdbRecords(path, SCAN, visit),
        ),
      );
    } finally {
      await store.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const url = process.env.MONGO_URL;
  if (!url) return { results, skipped: 'MONGO_URL is not set' };
  const mongo = { url };
  const dbName = `bench_analytics_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new MongoClient(mongo.url);
  try {
    const load = await time(async () => {
      const loaded = await bulkLoadMongo(mongo.url, dbName, mongoTransitions);
      const store = await MongoStore.open({ url: mongo.url, dbName, compactRollupsEveryMs: 0 });
      while ((await store.compactRollups()).folded > 0);
      await store.close();
      return loaded;
    });
    const store = await MongoStore.open({ url: mongo.url, dbName, compactRollupsEveryMs: 0 });
    try {
      results.push(
        await measure('mongodb', store, load.value, load.ms / 1000, 11, (visit) =>
          scanMongoRecords(mongo.url, dbName, SCAN, visit),
        ),
      );
    } finally {
      await store.close();
    }
  } finally {
    await admin
      .db(dbName)
      .dropDatabase()
      .catch(() => undefined);
    await admin.close();
  }
  return { results, skipped: null };
}
