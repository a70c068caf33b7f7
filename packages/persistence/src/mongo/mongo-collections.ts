import type { Collection, Db } from 'mongodb';
import type { ChangeDocument, ResourceSnapshot } from './change-document';
import type { IdempotencyDocument } from './idempotency-mapper';
import type {
  RollupBucketDocument,
  RollupDeltaDocument,
  RollupFoldedDocument,
  RollupGenerationDocument,
} from './rollup-documents';
import type { RunDocument } from './run-mapper';
import type { TransitionDocument } from './transition-mapper';

export interface SettingDocument {
  _id: string;
  value: string;
}

/** How far a resource's change log has been pruned: every change below `below` is gone. */
export interface PrunedLogDocument {
  _id: string;
  below: number;
}

/**
 * `changes` is the source of truth for resources and runs; `resources`, `runs` and `transitions`
 * are projections of it, kept for lookups by id and for listing and audit queries.
 */
export interface MongoCollections {
  changes: Collection<ChangeDocument>;
  resources: Collection<ResourceSnapshot>;
  runs: Collection<RunDocument>;
  transitions: Collection<TransitionDocument>;
  /** Per resource, where its pruned log now starts: a hint that spares walking the gap. */
  prunedLogs: Collection<PrunedLogDocument>;
  /** Every run whose finish was pruned from the log, as it finished: insert-only, so never set back. */
  finishedRuns: Collection<RunDocument>;
  /** Insert-only: one per finished run and answered step, until a compaction folds it. */
  rollupDeltas: Collection<RollupDeltaDocument>;
  /** Bucket documents of the latest compaction generations (see rollup-compactor.ts). */
  rollupBuckets: Collection<RollupBucketDocument>;
  /** The commit points of compactions: one insert-won document per generation. */
  rollupGenerations: Collection<RollupGenerationDocument>;
  /** Ids of deltas already folded: a replayed projection's delta is recognised and dropped. */
  rollupFolded: Collection<RollupFoldedDocument>;
  idempotency: Collection<IdempotencyDocument>;
  settings: Collection<SettingDocument>;
}

export function collectionsOf(db: Db): MongoCollections {
  return {
    changes: db.collection<ChangeDocument>('changes'),
    resources: db.collection<ResourceSnapshot>('resources'),
    runs: db.collection<RunDocument>('runs'),
    transitions: db.collection<TransitionDocument>('transitions'),
    prunedLogs: db.collection<PrunedLogDocument>('prunedLogs'),
    finishedRuns: db.collection<RunDocument>('finishedRuns'),
    rollupDeltas: db.collection<RollupDeltaDocument>('rollupDeltas'),
    rollupBuckets: db.collection<RollupBucketDocument>('rollupBuckets'),
    rollupGenerations: db.collection<RollupGenerationDocument>('rollupGenerations'),
    rollupFolded: db.collection<RollupFoldedDocument>('rollupFolded'),
    idempotency: db.collection<IdempotencyDocument>('idempotency'),
    settings: db.collection<SettingDocument>('settings'),
  };
}
