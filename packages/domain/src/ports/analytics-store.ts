import type { RollupBucket } from '../analytics/rollup';

/** Which buckets to read: hours are `YYYY-MM-DDTHH`, `sinceHour` inclusive, `untilHour` exclusive. */
export interface RollupQuery {
  kind?: string;
  target?: string;
  sinceHour?: string;
  untilHour?: string;
  /**
   * `hour` (default): hourly buckets only. `coarsest`: any buckets that cover the range exactly once,
   * coarser ones (a store's daily buckets) where whole days fit, so a long range reads fewer.
   * A coarser bucket's `hour` is its day, `YYYY-MM-DD`.
   */
  resolution?: 'hour' | 'coarsest';
}

/**
 * The write-time rollups of run and step durations. The stores add every finished run and every
 * answered step to its bucket as part of (or recoverably after) the write that records it, so the
 * buckets always agree with the raw records; a read costs the buckets, never the records.
 */
export interface AnalyticsStore {
  /** Every bucket matching the query, each key once (a store may fold pending deltas in first). */
  listRollupBuckets(query: RollupQuery): Promise<RollupBucket[]>;
}
