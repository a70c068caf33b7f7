import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AnalyticsReads,
  type AnalyticsStore,
  clusterKind,
  factOfRun,
  factOfTransition,
  imageKind,
  KindRegistry,
  type RollupFact,
  type RunStore,
} from '@slipway/domain';
import { LmdbStore, MongoStore } from '@slipway/persistence';
import { bulkLoadLmdb, bulkLoadMongo } from '@slipway/persistence/testing/bulk-history';
import { MongoClient } from 'mongodb';

export interface AnalyticsBenchStoreResult {
  store: 'lmdb' | 'mongodb';
  transitions: number;
  runs: number;
  loadSeconds: number;
  /** Median of the durations query (cluster deploy time, whole range, grouped by service). */
  rollupQueryMs: number;
  /** The same figures (count, failures, mean, p50…p99, max per service) from every raw record. */
  bruteForceScanMs: number;
  speedup: number;
}

export const ANALYTICS_GOAL = { maxQueryMs: 20, minSpeedup: 100 };
const ADMIN = { id: 'bench', permissions: ['admin'] };
const QUERY = { kind: 'cluster', groupBy: 'service' } as const;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function time<T>(action: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await action();
  return { ms: performance.now() - started, value };
}

/** What the rollups answer, computed instead from every run and transition the store holds. */
async function bruteForce(
  store: RunStore,
): Promise<Map<string, { count: number; failures: number; meanMs: number; p95Ms: number }>> {
  const facts: RollupFact[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listRuns({ kind: 'cluster', target: 'live', limit: 10_000, cursor });
    for (const run of page.items) {
      const fact = factOfRun(run);
      if (fact) facts.push(fact);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  do {
    const page = await store.listTransitions({ kind: 'cluster', limit: 10_000, cursor });
    for (const transition of page.items) {
      const fact = transition.target === 'live' ? factOfTransition(transition) : null;
      if (fact) facts.push(fact);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const groups = new Map<string, number[]>();
  const failures = new Map<string, number>();
  for (const fact of facts) {
    if (fact.step !== '') continue;
    const service = fact.groups.service ?? '(none)';
    groups.set(service, [...(groups.get(service) ?? []), fact.durationMs]);
    if (fact.outcome === 'failed') failures.set(service, (failures.get(service) ?? 0) + 1);
  }
  return new Map(
    [...groups].map(([service, durations]) => {
      durations.sort((a, b) => a - b);
      return [
        service,
        {
          count: durations.length,
          failures: failures.get(service) ?? 0,
          meanMs: durations.reduce((sum, ms) => sum + ms, 0) / durations.length,
          p95Ms: durations[Math.ceil(0.95 * durations.length) - 1]!,
        },
      ];
    }),
  );
}

async function measure(
  name: 'lmdb' | 'mongodb',
  store: RunStore & AnalyticsStore,
  loaded: { runs: number; transitions: number },
  loadSeconds: number,
  queries: number,
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
  const scan = await time(() => bruteForce(store));
  // The two must agree, or the comparison means nothing.
  for (const group of report.groups) {
    const exact = scan.value.get(group.group);
    if (!exact || exact.count !== group.runs.count || exact.failures !== group.runs.failures) {
      throw new Error(`${name}: rollups and scan disagree for ${group.group}`);
    }
    if (Math.abs((group.runs.p95Ms ?? 0) - exact.p95Ms) > 0.02 * exact.p95Ms + 0.01) {
      throw new Error(`${name}: p95 of ${group.group} off by more than 2 %`);
    }
  }
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
      results.push(await measure('lmdb', store, load.value, load.ms / 1000, 21));
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
      results.push(await measure('mongodb', store, load.value, load.ms / 1000, 11));
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
