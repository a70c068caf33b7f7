import {
  addFact,
  bucketKeyOf,
  bucketKeyOfFact,
  emptyBucketFor,
  type RollupBucket,
  type RollupFact,
  type RollupQuery,
} from '@slipway/domain';
import type { LmdbDatabases } from './lmdb-databases';

/**
 * Runs inside the write transaction that records the fact, so a bucket can never miss or repeat
 * one: lmdb serializes writers of every process, and a crash rolls back both or neither.
 */
export function addRollupFact(dbs: LmdbDatabases, fact: RollupFact | null): void {
  if (!fact) return;
  const key = bucketKeyOfFact(fact);
  const bucket = dbs.rollups.get(key) ?? emptyBucketFor(fact);
  dbs.rollups.put(key, addFact(bucket, fact));
}

/** Keys start with the hour, so a time range is a key range; the rest is filtered per bucket. */
export function listRollupBuckets(dbs: LmdbDatabases, query: RollupQuery): RollupBucket[] {
  const range = {
    ...(query.sinceHour !== undefined ? { start: bucketKeyPrefix(query.sinceHour) } : {}),
    ...(query.untilHour !== undefined ? { end: bucketKeyPrefix(query.untilHour) } : {}),
  };
  const buckets: RollupBucket[] = [];
  for (const { value } of dbs.rollups.getRange(range)) {
    if (query.kind !== undefined && value.kind !== query.kind) continue;
    if (query.target !== undefined && value.target !== query.target) continue;
    buckets.push(value);
  }
  return buckets;
}

/** Sorts before every key of that hour and after every key of the hours before. */
function bucketKeyPrefix(hour: string): string {
  return bucketKeyOf({ hour, kind: '', target: '', step: '', outcome: '', groups: {} }).slice(
    0,
    hour.length + 3,
  );
}
