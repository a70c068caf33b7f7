import { randomUUID } from 'node:crypto';
import { addFact, bucketKeyOfFact, emptyBucketFor, type RollupBucket } from '@slipway/domain';
import { isDuplicateKey } from './driver-errors';
import type { MongoCollections } from './mongo-collections';
import type { RollupBucketDocument, RollupDeltaDocument, RollupGenerationDocument } from './rollup-documents';
import { FOLDED_MARK_HORIZON_MS, pruneFoldedMarks } from './rollup-marks';

/** Deltas folded per generation: bounds the generation document's list of folded ids. */
const FOLD_BATCH = 5000;

export interface CompactionReport {
  /** Deltas folded into a new generation; 0 when there were none, or another compactor won. */
  folded: number;
  generation: number;
}

/** What one compactor means to commit: the next generation's buckets and the deltas they fold. */
export interface PreparedCompaction {
  /** The generation the buckets were built on; 0 when there was none. */
  base: number;
  generation: RollupGenerationDocument;
  buckets: RollupBucketDocument[];
}

/**
 * Folds the pending deltas into a new generation of bucket documents. FerretDB v1 loses concurrent
 * `$inc`s and collides concurrent upserts, so nothing here updates a shared document: the new
 * buckets are inserted under this compactor's own token, and inserting the generation document is
 * the one decision (an insert-won lease on that generation): a compactor that finds it taken
 * withdraws its buckets, and so does one whose insert won a generation that had already been
 * superseded. Only then are the folded deltas marked and deleted, so a crash anywhere
 * leaves either the old generation with its deltas or the new one with a list of what it folded,
 * which readers leave out and the next compactor finishes deleting.
 */
export async function compactRollups(
  collections: MongoCollections,
  options: { batch?: number; markHorizonMs?: number } = {},
): Promise<CompactionReport> {
  const report = await commitCompaction(
    collections,
    await prepareCompaction(collections, options.batch ?? FOLD_BATCH),
  );
  await pruneFoldedMarks(collections, Date.now() - (options.markHorizonMs ?? FOLDED_MARK_HORIZON_MS));
  return report;
}

/**
 * Reads the latest generation and up to `batch` pending deltas and builds the next generation from
 * them, writing nothing but what finishing the latest generation leaves to do. Exported so a test can stall a compactor between this and its commit.
 */
export async function prepareCompaction(
  collections: MongoCollections,
  batch: number,
): Promise<PreparedCompaction> {
  const latest = await latestGeneration(collections);
  const gen = latest?._id ?? 0;
  if (latest) await finishGeneration(collections, latest);
  const deltas = await pendingDeltas(collections, latest, batch);
  const buckets = new Map<string, RollupBucket>();
  if (latest && deltas.length > 0) {
    for (const document of await collections.rollupBuckets.find({ gen, token: latest.token }).toArray()) {
      buckets.set(document.key, stripBucket(document));
    }
  }
  for (const delta of deltas) {
    const key = bucketKeyOfFact(delta);
    buckets.set(key, addFact(buckets.get(key) ?? emptyBucketFor(delta), delta));
  }
  const token = randomUUID();
  const next = gen + 1;
  return {
    base: gen,
    generation: {
      _id: next,
      token,
      folded: deltas.map((delta) => delta._id),
      foldedChanges: deltas.map((delta) => delta.change ?? null),
      committedAt: new Date().toISOString(),
    },
    buckets: [...buckets].map(([key, bucket]) => ({
      _id: `${next}|${token}|${key}`,
      gen: next,
      token,
      key,
      ...bucket,
    })),
  };
}

/** Inserts the prepared buckets, then tries to win their generation; see `compactRollups`. */
export async function commitCompaction(
  collections: MongoCollections,
  prepared: PreparedCompaction,
): Promise<CompactionReport> {
  const { generation, buckets, base } = prepared;
  if (generation.folded.length === 0) return { folded: 0, generation: base };
  const withdraw = () =>
    collections.rollupBuckets.deleteMany({ gen: generation._id, token: generation.token });
  if (buckets.length > 0) await collections.rollupBuckets.insertMany(buckets, { ordered: false });
  try {
    await collections.rollupGenerations.insertOne(generation);
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    await withdraw();
    return { folded: 0, generation: base };
  }
  // The insert also wins when the generation was won, superseded and deleted while this compactor
  // stalled: its buckets then hold what a newer generation never saw, and its deltas may still be
  // pending there. Only the latest generation's deltas may go, so a late one withdraws entirely.
  const latest = await latestGeneration(collections);
  if (latest?._id !== generation._id || latest.token !== generation.token) {
    await collections.rollupGenerations.deleteOne({ _id: generation._id, token: generation.token });
    await withdraw();
    return { folded: 0, generation: latest?._id ?? base };
  }
  await finishGeneration(collections, generation);
  return { folded: generation.folded.length, generation: generation._id };
}

export async function latestGeneration(
  collections: MongoCollections,
): Promise<RollupGenerationDocument | null> {
  const [latest] = await collections.rollupGenerations.find({}).sort({ _id: -1 }).limit(1).toArray();
  return latest ?? null;
}

/**
 * What a committed generation leaves to do, safe to repeat: mark its folded deltas (so a projection
 * that replays a change later cannot bring one back uncounted-as-folded) and delete them, then drop
 * the buckets of older generations and of compactors that lost this one.
 */
async function finishGeneration(
  collections: MongoCollections,
  generation: RollupGenerationDocument,
): Promise<void> {
  if (generation.folded.length > 0) {
    try {
      await collections.rollupFolded.insertMany(
        generation.folded.map((id, i) => ({
          _id: id,
          change: generation.foldedChanges?.[i] ?? null,
          foldedAt: generation.committedAt,
        })),
        { ordered: false },
      );
    } catch (error) {
      if (!isDuplicateKey(error) && !allDuplicates(error)) throw error;
    }
    await collections.rollupDeltas.deleteMany({ _id: { $in: generation.folded } });
  }
  await collections.rollupBuckets.deleteMany({
    $or: [{ gen: { $lt: generation._id } }, { gen: generation._id, token: { $ne: generation.token } }],
  });
  await collections.rollupGenerations.deleteMany({ _id: { $lt: generation._id } });
}

/** Deltas not folded yet: not in the latest generation's list and never marked folded before. */
export async function pendingDeltas(
  collections: MongoCollections,
  latest: RollupGenerationDocument | null,
  limit: number,
  filter: Record<string, unknown> = {},
): Promise<RollupDeltaDocument[]> {
  const folded = new Set(latest?.folded ?? []);
  const found = (
    await collections.rollupDeltas
      .find(filter)
      .limit(limit + folded.size)
      .toArray()
  ).filter((delta) => !folded.has(delta._id));
  if (found.length === 0) return [];
  const marked = new Set(
    (
      await collections.rollupFolded
        .find({ _id: { $in: found.map((delta) => delta._id) } }, { projection: { _id: 1 } })
        .toArray()
    ).map((document) => document._id),
  );
  return found.filter((delta) => !marked.has(delta._id)).slice(0, limit);
}

export function stripBucket(document: RollupBucketDocument): RollupBucket {
  const { _id, gen: _gen, token: _token, key: _key, ...bucket } = document;
  return bucket;
}

function allDuplicates(error: unknown): boolean {
  const writeErrors = (error as { writeErrors?: { code?: number }[] } | null)?.writeErrors;
  return Array.isArray(writeErrors) && writeErrors.every((entry) => entry.code === 11000);
}
