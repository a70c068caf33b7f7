import { type ChangeDocument, changeId, type ResourceSnapshot } from './change-document';
import { isDuplicateKey } from './driver-errors';
import type { MongoCollections } from './mongo-collections';

/** The newest committed state of a resource, and how far its projection had got when it was read. */
export interface Head {
  pos: number;
  resource: ResourceSnapshot;
  projectedPos: number;
  /**
   * The first change the projections may lack: the one after `projectedPos`, or, when a slow
   * writer set the projection back below where the log has been pruned since, the oldest kept.
   */
  applyFrom: number;
}

/**
 * Every read here is by `_id`: FerretDB v1 on SQLite pushes only an `_id` equality down to the
 * database and scans the whole collection for anything else, so the write path never filters on
 * another field.
 */
export async function readChange(
  collections: MongoCollections,
  resourceId: string,
  pos: number,
): Promise<ChangeDocument | null> {
  return collections.changes.findOne({ _id: changeId(resourceId, pos) });
}

/**
 * The resource as of its newest change: the projection, then any changes committed after the
 * position it reflects (a writer between its commit and its projection write, one that crashed
 * there, or a slow writer that set the projection back). Reads only; see `currentHead`.
 */
export async function readHead(collections: MongoCollections, resourceId: string): Promise<Head | null> {
  const projected = await collections.resources.findOne({ _id: resourceId });
  if (!projected) return null;
  let resource = projected;
  let applyFrom: number | null = null;
  for (;;) {
    const next = await nextChange(collections, resourceId, resource.pos);
    if (!next) {
      return {
        pos: resource.pos,
        resource,
        projectedPos: projected.pos,
        applyFrom: applyFrom ?? projected.pos + 1,
      };
    }
    applyFrom ??= next.pos;
    resource = next.resource;
  }
}

/**
 * The change to read on with after position `pos`, or null when `pos` is the head. Usually the one
 * at `pos + 1`. But the log may have been pruned past `pos` (a slow writer set a projection back
 * below the part pruned since): then `pos + 1` is gone although the log goes on, and so is `pos`
 * itself, which the log always keeps while it is the position the resource document shows or any
 * later one. Reading `pos + 1` first and `pos` second, while pruning deletes in ascending order,
 * makes "both missing" the sign: had `pos + 1` been pruned before the first read, `pos` would have
 * been pruned before that too. Then the walk goes on at the oldest change kept. Position 0 (the
 * resource as created) has no change, and nothing ever sets a projection back to it.
 */
export async function nextChange(
  collections: MongoCollections,
  resourceId: string,
  pos: number,
): Promise<ChangeDocument | null> {
  const next = await readChange(collections, resourceId, pos + 1);
  if (next) return next;
  if (pos === 0 || (await readChange(collections, resourceId, pos))) return null;
  return oldestKept(collections, resourceId, pos + 1);
}

/** Where the resource's pruned log starts, as far as the hint knows (it may lag the real start). */
export async function prunedBelow(collections: MongoCollections, resourceId: string): Promise<number | null> {
  return (await collections.prunedLogs.findOne({ _id: resourceId }))?.below ?? null;
}

/** A walk longer than this over missing changes means the log was deleted, not pruned. */
const MAX_GAP = 10_000;

/**
 * The first change at or after `from` that the log still holds, once the caller knows the log was
 * pruned past `from`: the newest change is never pruned, so the walk ends there at the latest.
 */
async function oldestKept(
  collections: MongoCollections,
  resourceId: string,
  from: number,
): Promise<ChangeDocument> {
  const start = Math.max(from, (await prunedBelow(collections, resourceId)) ?? from);
  for (let pos = start; pos < start + MAX_GAP; pos++) {
    const change = await readChange(collections, resourceId, pos);
    if (change) return change;
  }
  throw new Error(`changes: the log of resource ${resourceId} has no change from position ${start} on`);
}

/**
 * Appends the change at its position. True when it is committed; false when another writer took
 * the position first (the caller reads the new head and decides again). A duplicate key on an
 * entry carrying our own writeId is our insert come back twice (the driver retried it), so it won.
 */
export async function appendChange(collections: MongoCollections, change: ChangeDocument): Promise<boolean> {
  try {
    await collections.changes.insertOne(change);
    return true;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
  const taken = await collections.changes.findOne({ _id: change._id }, { projection: { writeId: 1 } });
  return taken?.writeId === change.writeId;
}
