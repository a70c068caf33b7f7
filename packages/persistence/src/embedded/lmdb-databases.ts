import type {
  IdempotencyLease,
  IdempotencyRecord,
  Resource,
  RollupBucket,
  Run,
  Transition,
} from '@slipway/domain';
import { type Database, type Key, open, type RootDatabase } from 'lmdb';

/**
 * What an idempotency key holds: a claim while the first request runs, its response after. The
 * times are optional only because entries written before leases and retention lack them.
 */
export type IdempotencyEntry =
  | ({ state: 'reserved'; fingerprint: string; reservedAt: string } & Partial<IdempotencyLease>)
  | ({ state: 'completed' } & Omit<IdempotencyRecord, 'keepUntil'> & { keepUntil?: string });

/** Index entries carry everything in their key; the value is only a marker. */
export type IndexDatabase = Database<true, Key>;

/** The named databases of one lmdb environment; every write spans them in one transaction. */
export interface LmdbDatabases {
  root: RootDatabase<unknown, Key>;
  /** id → resource */
  resources: Database<Resource, string>;
  /** [kind, id]: resources of a kind in id (= creation) order */
  resourcesByKind: IndexDatabase;
  /** [kind, name] → id of the live resource holding the name */
  names: Database<string, Key>;
  /** id → run */
  runs: Database<Run, string>;
  /** [createdAt, id]: every run in the order it was accepted */
  runsByTime: IndexDatabase;
  /** [resourceId, createdAt, id]: a resource's runs in the order they were accepted */
  runsByResource: IndexDatabase;
  /** [kind, target, hour, step, outcome, groups] → the bucket, updated in the transaction that records each fact */
  rollups: Database<RollupBucket, Key>;
  /** The same with the day in place of the hour: a long range reads 24 times fewer buckets */
  dailyRollups: Database<RollupBucket, Key>;
  /** run ids that are not terminal yet: what a restart must resume */
  unfinishedRuns: Database<true, string>;
  /** id → transition */
  transitions: Database<Transition, string>;
  /** [endedAt, id] */
  transitionsByTime: IndexDatabase;
  /** [resourceId, endedAt, id] */
  transitionsByResource: IndexDatabase;
  /** [runId, endedAt, id] */
  transitionsByRun: IndexDatabase;
  /** [kind, endedAt, id] */
  transitionsByKind: IndexDatabase;
  /** scoped key → record */
  idempotency: Database<IdempotencyEntry, string>;
  /** Installation state, key → value; the database keeps its older name `settings`, so existing data stays readable. */
  installation: Database<string, string>;
}

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

export function openDatabases(path: string): LmdbDatabases {
  // The cache stays off: every read then decodes a fresh object, so nothing a caller mutates can
  // leak back into what the next caller reads.
  // permissionsMode is the mode lmdb creates data.mdb and lock.mdb with (0664 by default): the
  // store holds token hashes and every spec, for its user only. lmdb's types do not list it.
  const options = { path, maxDbs: 32, permissionsMode: PRIVATE_FILE_MODE };
  const root = open<unknown, Key>(options);
  const index = (name: string): IndexDatabase => root.openDB<true, Key>(name, {});
  return {
    root,
    resources: root.openDB<Resource, string>('resources', {}),
    resourcesByKind: index('resourcesByKind'),
    names: root.openDB<string, Key>('names', {}),
    runs: root.openDB<Run, string>('runs', {}),
    unfinishedRuns: root.openDB<true, string>('unfinishedRuns', {}),
    runsByTime: index('runsByTime'),
    runsByResource: index('runsByResource'),
    rollups: root.openDB<RollupBucket, Key>('rollups', {}),
    dailyRollups: root.openDB<RollupBucket, Key>('dailyRollups', {}),
    transitions: root.openDB<Transition, string>('transitions', {}),
    transitionsByTime: index('transitionsByTime'),
    transitionsByResource: index('transitionsByResource'),
    transitionsByRun: index('transitionsByRun'),
    transitionsByKind: index('transitionsByKind'),
    idempotency: root.openDB<IdempotencyEntry, string>('idempotency', {}),
    installation: root.openDB<string, string>('settings', {}),
  };
}
