import type { Page, Resource, Transition, TransitionQuery, TransitionWrite } from '@slipway/domain';
import type { Filter } from 'mongodb';
import { decodeCursor, encodeCursor } from '../query/cursor';
import { checkPageLimit, takePage } from '../query/page-limit';
import { emptyTimeRange, normalizeTransitionQuery, transitionQueryShape } from '../query/transition-filter';
import { duplicateId, transitionedResource } from '../rules/resource-rules';
import { writeChange } from './change-writer';
import type { MongoCollections } from './mongo-collections';
import { toResource } from './resource-mapper';
import { notFound } from './resource-operations';
import { type TransitionDocument, toTransition } from './transition-mapper';

/**
 * The transition and the resource's new state are one log entry: the append is the commit point,
 * and of writers racing for the same seq only the first to append after the head gets to.
 */
export async function recordTransition(
  collections: MongoCollections,
  write: TransitionWrite,
): Promise<Resource> {
  const transition = structuredClone(write.transition);
  const status = structuredClone(write.status);
  return writeChange(collections, transition.resourceId, async (head) => {
    if (!head) throw notFound(transition.resourceId);
    const next = transitionedResource(toResource(head.resource), { ...write, transition, status });
    if (await collections.transitions.findOne({ _id: transition.id }, { projection: { _id: 1 } })) {
      throw duplicateId('transition', transition.id);
    }
    return {
      kind: 'append',
      change: { op: 'transition', resource: next, transition, releaseName: write.releaseName === true },
      result: structuredClone(next),
    };
  });
}

/** By (endedAt, id), oldest first unless `desc`, from the audit projection. */
export async function listTransitions(
  collections: MongoCollections,
  raw: TransitionQuery,
): Promise<Page<Transition>> {
  const limit = checkPageLimit(raw.limit);
  const query = normalizeTransitionQuery(raw);
  const shape = transitionQueryShape(query);
  const after = query.cursor === undefined ? null : decodeCursor(query.cursor, shape, 2);
  if (emptyTimeRange(query)) return { items: [], nextCursor: null };
  const documents = await collections.transitions
    .find(transitionFilter(query, after))
    .sort(query.order === 'desc' ? { endedAt: -1, _id: -1 } : { endedAt: 1, _id: 1 })
    .limit(limit + 1)
    .toArray();
  const { items, more } = takePage(documents.map(toTransition), limit);
  const last = items.at(-1);
  return { items, nextCursor: more && last ? encodeCursor(shape, [last.endedAt, last.id]) : null };
}

function transitionFilter(
  query: TransitionQuery,
  after: readonly string[] | null,
): Filter<TransitionDocument> {
  const clauses: Filter<TransitionDocument>[] = [];
  if (query.kind !== undefined) clauses.push({ kind: query.kind });
  if (query.resourceId !== undefined) clauses.push({ resourceId: query.resourceId });
  if (query.runId !== undefined) clauses.push({ runId: query.runId });
  if (query.actor !== undefined) clauses.push({ actor: query.actor });
  if (query.outcome !== undefined) clauses.push({ outcome: query.outcome });
  if (query.event !== undefined) clauses.push({ event: query.event });
  if (query.to !== undefined) clauses.push({ to: query.to });
  for (const [name, value] of Object.entries(query.groups ?? {})) {
    clauses.push({ [`groups.${name}`]: value } as Filter<TransitionDocument>);
  }
  if (query.since !== undefined) clauses.push({ endedAt: { $gte: query.since } });
  if (query.until !== undefined) clauses.push({ endedAt: { $lt: query.until } });
  if (after !== null) {
    const [endedAt, id] = after as [string, string];
    const beyond = query.order === 'desc' ? '$lt' : '$gt';
    clauses.push({ $or: [{ endedAt: { [beyond]: endedAt } }, { endedAt, _id: { [beyond]: id } }] });
  }
  return clauses.length > 0 ? { $and: clauses } : {};
}
