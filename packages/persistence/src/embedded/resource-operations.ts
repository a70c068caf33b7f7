import {
  type Page,
  type Resource,
  type ResourcePatch,
  type ResourceQuery,
  SlipwayError,
} from '@slipway/domain';
import { decodeCursor, encodeCursor } from '../query/cursor';
import { checkPageLimit, takePage } from '../query/page-limit';
import { resourceMatches, resourceQueryShape } from '../query/resource-filter';
import { duplicateId, patchedResource } from '../rules/resource-rules';
import { KEY_TOP } from './key-bounds';
import type { LmdbDatabases } from './lmdb-databases';

/** Runs inside a write transaction; throws before writing anything when it refuses. */
export function insertResource(dbs: LmdbDatabases, resource: Resource): void {
  if (dbs.resources.doesExist(resource.id)) {
    throw duplicateId('resource', resource.id);
  }
  const holder = dbs.names.get([resource.kind, resource.name]);
  if (holder !== undefined) {
    throw new SlipwayError(
      'name_taken',
      `A ${resource.kind} named "${resource.name}" already exists (${holder}); pick another name or destroy that one first.`,
      { kind: resource.kind, name: resource.name, id: holder },
    );
  }
  dbs.resources.put(resource.id, resource);
  dbs.resourcesByKind.put([resource.kind, resource.id], true);
  dbs.names.put([resource.kind, resource.name], resource.id);
}

/** Runs inside a write transaction; throws before writing anything when it refuses. */
export function patchResource(
  dbs: LmdbDatabases,
  id: string,
  expectedVersion: number,
  patch: ResourcePatch,
  at: string,
): Resource {
  const next = patchedResource(loadResource(dbs, id), expectedVersion, patch, at);
  dbs.resources.put(id, next);
  return next;
}

/** Newest first: ids are ULIDs, so walking the kind's index backwards walks creation order backwards. */
export function listResources(dbs: LmdbDatabases, query: ResourceQuery): Page<Resource> {
  const limit = checkPageLimit(query.limit);
  const shape = resourceQueryShape(query);
  const after = query.cursor === undefined ? null : decodeCursor(query.cursor, shape, 1)[0]!;
  const keys = dbs.resourcesByKind.getKeys({
    start: [query.kind, after ?? KEY_TOP],
    end: [query.kind],
    reverse: true,
    exclusiveStart: after !== null,
  });
  const { items, more } = takePage(matching(dbs, keys, query), limit);
  const last = items.at(-1);
  return { items, nextCursor: more && last ? encodeCursor(shape, [last.id]) : null };
}

export function loadResource(dbs: LmdbDatabases, id: string): Resource {
  const resource = dbs.resources.get(id);
  if (!resource) throw new SlipwayError('resource_not_found', `No resource with id "${id}".`);
  return resource;
}

function* matching(dbs: LmdbDatabases, keys: Iterable<unknown>, query: ResourceQuery): Generator<Resource> {
  for (const key of keys) {
    const id = Array.isArray(key) ? key[1] : undefined;
    const resource = typeof id === 'string' ? dbs.resources.get(id) : undefined;
    if (resource && resourceMatches(query, resource)) yield resource;
  }
}
