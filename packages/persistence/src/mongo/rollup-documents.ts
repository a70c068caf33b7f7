import type { RollupBucket, RollupFact } from '@slipway/domain';

/**
 * One fact waiting to be folded, inserted once: `_id` is `run:<runId>` or `step:<transitionId>`, so a
 * replayed projection finds its own delta (a duplicate key) instead of counting it twice.
 */
export type RollupDeltaDocument = RollupFact & {
  _id: string;
  hour: string;
  /** The change (`resourceId@pos`) whose projection inserted it; absent when loaded in bulk. */
  change?: string;
};

/** A bucket as of one compaction: `_id` is `<gen>|<token>|<bucket key>`. */
export type RollupBucketDocument = RollupBucket & { _id: string; gen: number; token: string; key: string };

/**
 * The commit point of a compaction, won by whoever inserts generation `gen` first: from then on the
 * buckets written under `token` at `gen` are the folded state, and the deltas in `folded` are in them.
 */
export interface RollupGenerationDocument {
  _id: number;
  token: string;
  folded: string[];
  /** The change of each folded delta, in the order of `folded` (null when it had none). */
  foldedChanges?: (string | null)[];
  committedAt: string;
}

/**
 * A folded delta, kept while a replay could still insert it again: while its change is in the log
 * (a projection set back replays it) and for a horizon after (a projector that read the change
 * before it was pruned may still be on its way); `rollup-marks.ts` prunes the rest.
 */
export interface RollupFoldedDocument {
  _id: string;
  change: string | null;
  foldedAt: string;
}
