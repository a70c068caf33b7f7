import {
  bucketsOfFacts,
  mergeBucket,
  type RollupBucket,
  type RollupQuery,
  SlipwayError,
} from '@slipway/domain';
import type { MongoCollections } from './mongo-collections';
import { latestGeneration, pendingDeltas, stripBucket } from './rollup-compactor';

const ATTEMPTS = 5;

/**
 * The latest generation's buckets plus the deltas it has not folded yet. A compactor that commits a
 * newer generation meanwhile may delete what this read relies on, so the read checks that the
 * generation it used is still the latest and otherwise reads again.
 */
export async function listRollupBuckets(
  collections: MongoCollections,
  query: RollupQuery,
): Promise<RollupBucket[]> {
  const filter: Record<string, unknown> = {};
  if (query.kind !== undefined) filter.kind = query.kind;
  if (query.target !== undefined) filter.target = query.target;
  const hour: Record<string, string> = {};
  if (query.sinceHour !== undefined) hour.$gte = query.sinceHour;
  if (query.untilHour !== undefined) hour.$lt = query.untilHour;
  if (Object.keys(hour).length > 0) filter.hour = hour;
  for (let attempt = 1; ; attempt++) {
    const latest = await latestGeneration(collections);
    const folded = latest
      ? await collections.rollupBuckets.find({ ...filter, gen: latest._id, token: latest.token }).toArray()
      : [];
    const deltas = await pendingDeltas(collections, latest, Number.MAX_SAFE_INTEGER, filter);
    const still = await latestGeneration(collections);
    if ((still?._id ?? 0) !== (latest?._id ?? 0)) {
      if (attempt < ATTEMPTS) continue;
      // Buckets of one generation with deltas another already deleted would undercount, silently.
      throw new SlipwayError(
        'service_unavailable',
        `The rollups were compacted ${ATTEMPTS} times while they were read; ask again in a moment.`,
      );
    }
    const buckets = bucketsOfFacts(deltas);
    for (const document of folded) {
      const bucket = stripBucket(document);
      const pending = buckets.get(document.key);
      buckets.set(document.key, pending ? mergeBucket(bucket, pending) : bucket);
    }
    return [...buckets.values()];
  }
}
