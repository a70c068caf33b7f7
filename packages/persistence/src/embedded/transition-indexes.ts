import type { Transition, TransitionQuery } from '@slipway/domain';
import type { Key, RangeOptions } from 'lmdb';
import { KEY_TOP } from './key-bounds';
import type { IndexDatabase, LmdbDatabases } from './lmdb-databases';

/**
 * Every transition index is keyed `[...prefix, endedAt, id]`, so each one walks in the audit
 * order (oldest first, ties by id) and a time range is a key range, not a scan.
 */
interface TransitionIndex {
  db: IndexDatabase;
  prefix(transition: Transition): string[];
}

export function transitionIndexes(dbs: LmdbDatabases): TransitionIndex[] {
  return [
    { db: dbs.transitionsByTime, prefix: () => [] },
    { db: dbs.transitionsByResource, prefix: (t) => [t.resourceId] },
    { db: dbs.transitionsByRun, prefix: (t) => [t.runId] },
    { db: dbs.transitionsByKind, prefix: (t) => [t.kind] },
  ];
}

export function transitionIndexKey(index: TransitionIndex, transition: Transition): Key[] {
  return [...index.prefix(transition), transition.endedAt, transition.id];
}

/** The narrowest index for the query; the remaining filters are applied to what it yields. */
export function chooseTransitionIndex(
  dbs: LmdbDatabases,
  query: TransitionQuery,
): { db: IndexDatabase; prefix: string[] } {
  if (query.resourceId !== undefined) return { db: dbs.transitionsByResource, prefix: [query.resourceId] };
  if (query.runId !== undefined) return { db: dbs.transitionsByRun, prefix: [query.runId] };
  if (query.kind !== undefined) return { db: dbs.transitionsByKind, prefix: [query.kind] };
  return { db: dbs.transitionsByTime, prefix: [] };
}

/**
 * The key range for `since` (inclusive) to `until` (exclusive) under `prefix`, resuming after the
 * `[endedAt, id]` position of a cursor, walked forwards or (`desc`) backwards. `[...prefix, t]`
 * sorts before every `[...prefix, t, id]`, which is what makes `since` inclusive and `until` exclusive
 * in both directions.
 */
export function transitionRange(
  prefix: readonly string[],
  query: { since?: string; until?: string; order?: 'asc' | 'desc' },
  after: readonly string[] | null,
): RangeOptions {
  const low: Key[] | undefined =
    query.since !== undefined ? [...prefix, query.since] : prefix.length > 0 ? [...prefix] : undefined;
  const high: Key[] | undefined =
    query.until !== undefined
      ? [...prefix, query.until]
      : prefix.length > 0
        ? [...prefix, KEY_TOP]
        : undefined;
  const resume = after ? [...prefix, ...after] : undefined;
  if (query.order === 'desc') {
    return { start: resume ?? high, end: low, reverse: true, exclusiveStart: after !== null };
  }
  return { start: resume ?? low, end: high, exclusiveStart: after !== null };
}
