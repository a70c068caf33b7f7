import { randomBytes, randomUUID } from 'node:crypto';
import {
  AnalyticsReads,
  addToBins,
  bucketKeyOf,
  clusterKind,
  imageKind,
  KindRegistry,
  type RollupBucket,
} from '@slipway/domain';
import { MongoStore } from '@slipway/persistence';
import { MongoClient } from 'mongodb';

const START = Date.parse('2031-01-06T00:00:00.000Z');
const SERVICES = ['web', 'api', 'worker'];
const SERIES = ['', 'launch', 'verify', 'promote'];
const ADMIN = { id: 'bench', permissions: ['admin'] };

export interface LongRangeResult {
  days: number;
  buckets: number;
  /** Median of `groupBy=week` over the whole range, and over its first week. */
  rangeQueryMs: number;
  weekQueryMs: number;
}

/** One folded hourly bucket of cluster deploys, as a compaction leaves it. */
function bucketAt(hour: string, service: string, step: string, outcome: string, n: number): RollupBucket {
  const bucket: RollupBucket = {
    hour,
    kind: 'cluster',
    target: 'live',
    step,
    outcome,
    groups: { provider: 'local', service },
    count: 0,
    sumMs: 0,
    maxMs: 0,
    firstAt: `${hour}:10:00.000Z`,
    lastAt: `${hour}:50:00.000Z`,
    bins: {},
  };
  for (let i = 0; i < 3; i++) {
    const ms = 1000 + ((n * 7919 + i * 104_729) % 90_000);
    bucket.count++;
    bucket.sumMs += ms;
    bucket.maxMs = Math.max(bucket.maxMs, ms);
    addToBins(bucket.bins, ms);
  }
  return bucket;
}

/**
 * MongoDB keeps hourly buckets only, so a `groupBy=week` over a quarter reads every hour of it. This
 * stores the worst case (every hour of `days` has deploys of every service, every step, both
 * outcomes) as one folded generation and times the durations query over it.
 */
export async function runLongRangeBench(url: string, days: number): Promise<LongRangeResult> {
  const dbName = `bench_long_range_${process.pid}_${randomBytes(4).toString('hex')}`;
  const client = await MongoClient.connect(url);
  const db = client.db(dbName);
  try {
    const token = randomUUID();
    let documents: Record<string, unknown>[] = [];
    let buckets = 0;
    for (let h = 0; h < days * 24; h++) {
      const hour = new Date(START + h * 3_600_000).toISOString().slice(0, 13);
      for (const service of SERVICES)
        for (const step of SERIES)
          for (const outcome of ['succeeded', 'failed']) {
            const bucket = bucketAt(hour, service, step, outcome, buckets);
            const key = bucketKeyOf(bucket);
            documents.push({ _id: `1|${token}|${key}`, gen: 1, token, key, ...bucket });
            buckets++;
          }
      if (documents.length >= 5000) {
        await db.collection('rollupBuckets').insertMany(documents as never[]);
        documents = [];
      }
    }
    if (documents.length > 0) await db.collection('rollupBuckets').insertMany(documents as never[]);
    await db
      .collection('rollupGenerations')
      .insertOne({ _id: 1 as never, token, folded: [], committedAt: new Date().toISOString() });
    const store = await MongoStore.open({ url, dbName, compactRollupsEveryMs: 0 });
    try {
      const analytics = new AnalyticsReads({ store, kinds: new KindRegistry([imageKind, clusterKind]) });
      const timed = async (until: number) => {
        const query = {
          kind: 'cluster',
          groupBy: 'week',
          since: new Date(START).toISOString(),
          until: new Date(until).toISOString(),
        };
        await analytics.durations(query, ADMIN);
        const samples: number[] = [];
        for (let i = 0; i < 5; i++) {
          const started = performance.now();
          await analytics.durations(query, ADMIN);
          samples.push(performance.now() - started);
        }
        return Math.round(samples.sort((a, b) => a - b)[2]!);
      };
      return {
        days,
        buckets,
        rangeQueryMs: await timed(START + days * 86_400_000),
        weekQueryMs: await timed(START + 7 * 86_400_000),
      };
    } finally {
      await store.close();
    }
  } finally {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  }
}
