import {
  type Page,
  type Resource,
  type ResourcePatch,
  type ResourceQuery,
  SlipwayError,
} from '@slipway/domain';
import type { Filter } from 'mongodb';
import { decodeCursor, encodeCursor } from '../query/cursor';
import { checkPageLimit, takePage } from '../query/page-limit';
import { resourceQueryShape } from '../query/resource-filter';
import { duplicateId, patchedResource } from '../rules/resource-rules';
import type { ResourceSnapshot } from './change-document';
import { writeChange } from './change-writer';
import { currentHead } from './current-head';
import { isDuplicateKey } from './driver-errors';
import type { MongoCollections } from './mongo-collections';
import { holdsName, labelPairs, toResource, toResourceDocument } from './resource-mapper';

/** A name freed meanwhile can make an insert collide and the holder vanish; a few tries settle it. */
const CREATE_ATTEMPTS = 5;

/**
 * One insert checks both the id (`_id`) and the name (`nameKey`, unique) atomically; the document
 * is the resource at position 0 of its change log. A collision is then attributed by reading: a
 * name held only by a lagging projection (its resource released it in a committed change) is
 * brought up to date and the insert tried again.
 */
export async function createResource(collections: MongoCollections, resource: Resource): Promise<void> {
  const document: ResourceSnapshot = { ...toResourceDocument(resource, true), pos: 0, activeRun: null };
  for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
    try {
      await collections.resources.insertOne(document);
      return;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    if (await collections.resources.findOne({ _id: resource.id }, { projection: { _id: 1 } })) {
      throw duplicateId('resource', resource.id);
    }
    // Not by `_id`, so a scan on FerretDB; only ever on this collision path.
    const holder = await collections.resources.findOne(
      { nameKey: document.nameKey },
      { projection: { _id: 1 } },
    );
    if (!holder) continue;
    // Reading the holder's head also projects a release its projection had not caught up with.
    const head = await currentHead(collections, holder._id);
    if (head && holdsName(head.resource)) {
      throw new SlipwayError(
        'name_taken',
        `A ${resource.kind} named "${resource.name}" already exists (${holder._id}); pick another name or destroy that one first.`,
        { kind: resource.kind, name: resource.name, id: holder._id },
      );
    }
  }
  throw new SlipwayError('version_conflict', `The name "${resource.name}" kept changing hands; retry.`);
}

export async function getResource(collections: MongoCollections, id: string): Promise<Resource | null> {
  const head = await currentHead(collections, id);
  return head ? toResource(head.resource) : null;
}

export async function patchResource(
  collections: MongoCollections,
  id: string,
  expectedVersion: number,
  patch: ResourcePatch,
  at: string,
): Promise<Resource> {
  return writeChange(collections, id, async (head) => {
    if (!head) throw notFound(id);
    const next = patchedResource(toResource(head.resource), expectedVersion, patch, at);
    next.spec = structuredClone(next.spec);
    next.labels = structuredClone(next.labels);
    return { kind: 'append', change: { op: 'patch', resource: next }, result: structuredClone(next) };
  });
}

/**
 * Newest first, from the projection: ids are ULIDs, so descending `_id` is creation order backwards.
 * A projection lags its change log only while a write is in flight, or after a crash until the next
 * write or read of that resource or the recovery sweep; a single resource read never lags.
 */
export async function listResources(
  collections: MongoCollections,
  query: ResourceQuery,
): Promise<Page<Resource>> {
  const limit = checkPageLimit(query.limit);
  const shape = resourceQueryShape(query);
  const after = query.cursor === undefined ? null : decodeCursor(query.cursor, shape, 1)[0]!;
  const filter: Filter<ResourceSnapshot> = { kind: query.kind };
  if (query.state !== undefined) filter.state = query.state;
  else if (query.excludeStates !== undefined && query.excludeStates.length > 0) {
    filter.state = { $nin: [...query.excludeStates] };
  }
  const labels = labelPairs(query.labels ?? {});
  if (labels.length > 0) filter.labels = { $all: labels };
  if (after !== null) filter._id = { $lt: after };
  const documents = await collections.resources
    .find(filter)
    .sort({ _id: -1 })
    .limit(limit + 1)
    .toArray();
  const { items, more } = takePage(documents.map(toResource), limit);
  const last = items.at(-1);
  return { items, nextCursor: more && last ? encodeCursor(shape, [last.id]) : null };
}

export function notFound(id: string): SlipwayError {
  return new SlipwayError('resource_not_found', `No resource with id "${id}".`);
}
