import type { MongoCollections } from './mongo-collections';

/**
 * How long a folded delta's mark outlives its change in the log: a projector that read the change
 * before it was pruned and then stalled longer than this could insert the delta again uncounted as
 * folded, and it would be counted twice. A crash is no such case (a restarted process replays only
 * what the log still holds).
 */
export const FOLDED_MARK_HORIZON_MS = 3_600_000;

/** Marks looked at per compaction: bounds the `$in` lists. */
const PRUNE_BATCH = 5000;

/**
 * Deletes the marks no replay can need any more: folded before `foldedBefore`, and whose change is
 * gone from the log (pruned), so no projection can replay it. A delta still present under such a
 * mark is a replay the compactor already left out: it is deleted first, so a crash in between
 * leaves the mark that keeps it out.
 */
export async function pruneFoldedMarks(collections: MongoCollections, foldedBefore: number): Promise<number> {
  const marks = await collections.rollupFolded
    .find({ foldedAt: { $lt: new Date(foldedBefore).toISOString() } })
    .limit(PRUNE_BATCH)
    .toArray();
  if (marks.length === 0) return 0;
  const changes = [...new Set(marks.flatMap((mark) => (mark.change === null ? [] : [mark.change])))];
  const logged = new Set(
    changes.length === 0
      ? []
      : (await collections.changes.find({ _id: { $in: changes } }, { projection: { _id: 1 } }).toArray()).map(
          (change) => change._id,
        ),
  );
  const doomed = marks
    .filter((mark) => mark.change === null || !logged.has(mark.change))
    .map((mark) => mark._id);
  if (doomed.length === 0) return 0;
  await collections.rollupDeltas.deleteMany({ _id: { $in: doomed } });
  await collections.rollupFolded.deleteMany({ _id: { $in: doomed } });
  return doomed.length;
}
