import type { RollupBucket, RollupFact } from '@slipway/domain';

/**
 * One fact waiting to be folded, inserted once: `_id` is `run:<runId>` or `step:<transitionId>`, so a
 * replayed projection finds its own delta (a duplicate key) instead of counting it twice.
 */
export type RollupDeltaDocument = RollupFact & { _id: string; hour: string };

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
  committedAt: string;
}
