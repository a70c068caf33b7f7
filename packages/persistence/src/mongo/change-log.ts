import { type ChangeDocument, changeId, type ResourceSnapshot } from './change-document';
import { isDuplicateKey } from './driver-errors';
import type { MongoCollections } from './mongo-collections';

/** The newest committed state of a resource, and how far its projection had got when it was read. */
export interface Head {
  pos: number;
  resource: ResourceSnapshot;
  projectedPos: number;
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
  for (;;) {
    const next = await readChange(collections, resourceId, resource.pos + 1);
    if (!next) return { pos: resource.pos, resource, projectedPos: projected.pos };
    resource = next.resource;
  }
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
