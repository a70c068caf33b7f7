import {
  addFact,
  canonicalGroups,
  emptyBucketFor,
  hourOf,
  type RollupBucket,
  type RollupFact,
  type RollupQuery,
} from '@slipway/domain';
import type { Database, Key } from 'lmdb';
import { KEY_TOP } from './key-bounds';
import type { LmdbDatabases } from './lmdb-databases';

/** `[kind, target, period, step, outcome, groups]`: one kind and target over time is one key range. */
function rollupKey(fact: RollupFact, period: string): Key[] {
  return [fact.kind, fact.target, period, fact.step, fact.outcome, canonicalGroups(fact.groups)];
}

/**
 * Runs inside the write transaction that records the fact, so a bucket can never miss or repeat
 * one: lmdb serializes writers of every process, and a crash rolls back both or neither. Each fact
 * goes to its hour's bucket and to its day's.
 */
export function addRollupFact(dbs: LmdbDatabases, fact: RollupFact | null): void {
  if (!fact) return;
  const hour = hourOf(fact.at);
  add(dbs.rollups, rollupKey(fact, hour), fact, hour);
  add(dbs.dailyRollups, rollupKey(fact, hour.slice(0, 10)), fact, hour.slice(0, 10));
}

function add(db: Database<RollupBucket, Key>, key: Key[], fact: RollupFact, period: string): void {
  const bucket = db.get(key) ?? { ...emptyBucketFor(fact), hour: period };
  db.put(key, addFact(bucket, fact));
}

/**
 * Hourly buckets in [sinceHour, untilHour); with `coarsest`, the whole days inside come from the
 * daily buckets and only the hours at either end from the hourly ones.
 */
export function listRollupBuckets(dbs: LmdbDatabases, query: RollupQuery): RollupBucket[] {
  if (query.resolution !== 'coarsest') return read(dbs.rollups, query, query.sinceHour, query.untilHour);
  const firstDay = query.sinceHour === undefined ? undefined : firstWholeDay(query.sinceHour);
  const endDay = query.untilHour?.slice(0, 10);
  if (firstDay !== undefined && endDay !== undefined && firstDay >= endDay) {
    return read(dbs.rollups, query, query.sinceHour, query.untilHour);
  }
  return [
    ...(firstDay === undefined ? [] : read(dbs.rollups, query, query.sinceHour, `${firstDay}T00`)),
    ...read(dbs.dailyRollups, query, firstDay, endDay),
    ...(endDay === undefined ? [] : read(dbs.rollups, query, `${endDay}T00`, query.untilHour)),
  ];
}

function firstWholeDay(hour: string): string {
  const day = hour.slice(0, 10);
  if (hour.endsWith('T00')) return day;
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString().slice(0, 10);
}

function read(
  db: Database<RollupBucket, Key>,
  query: RollupQuery,
  since: string | undefined,
  until: string | undefined,
): RollupBucket[] {
  if (since !== undefined && until !== undefined && since >= until) return [];
  const range =
    query.kind !== undefined && query.target !== undefined
      ? { start: [query.kind, query.target, since ?? ''], end: [query.kind, query.target, until ?? KEY_TOP] }
      : query.kind !== undefined
        ? { start: [query.kind], end: [query.kind, KEY_TOP] }
        : {};
  const buckets: RollupBucket[] = [];
  for (const { value } of db.getRange(range)) {
    if (query.kind !== undefined && value.kind !== query.kind) continue;
    if (query.target !== undefined && value.target !== query.target) continue;
    if (since !== undefined && value.hour < since) continue;
    if (until !== undefined && value.hour >= until) continue;
    buckets.push(value);
  }
  return buckets;
}
