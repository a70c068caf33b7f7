import {
  factOfTransition,
  type Page,
  type Resource,
  type Transition,
  type TransitionQuery,
  type TransitionWrite,
} from '@slipway/domain';
import { withTransitionDefaults } from '../query/audit-defaults';
import { decodeCursor, encodeCursor } from '../query/cursor';
import { checkPageLimit, takePage } from '../query/page-limit';
import {
  emptyTimeRange,
  normalizeTransitionQuery,
  transitionMatches,
  transitionQueryShape,
} from '../query/transition-filter';
import { duplicateId, transitionedResource } from '../rules/resource-rules';
import type { LmdbDatabases } from './lmdb-databases';
import { loadResource } from './resource-operations';
import { addRollupFact } from './rollup-operations';
import {
  chooseTransitionIndex,
  transitionIndexes,
  transitionIndexKey,
  transitionRange,
} from './transition-indexes';

/**
 * Runs inside a write transaction: the audit record and the resource's new state are written
 * together or not at all, so they can never disagree.
 */
export function recordTransition(dbs: LmdbDatabases, write: TransitionWrite): Resource {
  const { transition } = write;
  const resource = loadResource(dbs, transition.resourceId);
  const next = transitionedResource(resource, write);
  if (dbs.transitions.doesExist(transition.id)) throw duplicateId('transition', transition.id);
  dbs.transitions.put(transition.id, transition);
  for (const index of transitionIndexes(dbs)) index.db.put(transitionIndexKey(index, transition), true);
  addRollupFact(dbs, factOfTransition(transition));
  dbs.resources.put(next.id, next);
  const nameKey = [resource.kind, resource.name];
  if (write.releaseName && dbs.names.get(nameKey) === resource.id) dbs.names.remove(nameKey);
  return next;
}

/** By (endedAt, id), oldest first unless `desc`, read from the narrowest index the filters allow. */
export function listTransitions(dbs: LmdbDatabases, raw: TransitionQuery): Page<Transition> {
  const limit = checkPageLimit(raw.limit);
  const query = normalizeTransitionQuery(raw);
  const shape = transitionQueryShape(query);
  const after = query.cursor === undefined ? null : decodeCursor(query.cursor, shape, 2);
  if (emptyTimeRange(query)) return { items: [], nextCursor: null };
  const { db, prefix } = chooseTransitionIndex(dbs, query);
  const keys = db.getKeys(transitionRange(prefix, query, after));
  const { items, more } = takePage(matching(dbs, keys, query), limit);
  const last = items.at(-1);
  return { items, nextCursor: more && last ? encodeCursor(shape, [last.endedAt, last.id]) : null };
}

function* matching(
  dbs: LmdbDatabases,
  keys: Iterable<unknown>,
  query: TransitionQuery,
): Generator<Transition> {
  for (const key of keys) {
    const id = Array.isArray(key) ? key.at(-1) : undefined;
    const transition = typeof id === 'string' ? dbs.transitions.get(id) : undefined;
    if (transition && transitionMatches(query, transition)) yield withTransitionDefaults(transition);
  }
}
