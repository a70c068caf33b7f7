import type { Page, Run, RunQuery } from '@slipway/domain';
import type { Filter } from 'mongodb';
import { decodeCursor, encodeCursor } from '../query/cursor';
import { checkPageLimit, takePage } from '../query/page-limit';
import { emptyRunTimeRange, normalizeRunQuery, runQueryShape } from '../query/run-filter';
import type { MongoCollections } from './mongo-collections';
import { type RunDocument, toRun } from './run-mapper';

const ACTION_PREFIX = 'action:';

/**
 * By (createdAt, id), newest first unless `asc`, from the `runs` projection: like every listing it
 * can lag a write whose projection a crash interrupted until the next read or `reconcile`.
 */
export async function listRuns(collections: MongoCollections, raw: RunQuery): Promise<Page<Run>> {
  const limit = checkPageLimit(raw.limit);
  const query = normalizeRunQuery(raw);
  const shape = runQueryShape(query);
  const after = query.cursor === undefined ? null : decodeCursor(query.cursor, shape, 2);
  if (emptyRunTimeRange(query)) return { items: [], nextCursor: null };
  const ascending = query.order === 'asc';
  const documents = await collections.runs
    .find(runFilter(query, after, ascending))
    .sort(ascending ? { createdAt: 1, _id: 1 } : { createdAt: -1, _id: -1 })
    .limit(limit + 1)
    .toArray();
  const { items, more } = takePage(documents.map(toRun), limit);
  const last = items.at(-1);
  return { items, nextCursor: more && last ? encodeCursor(shape, [last.createdAt, last.id]) : null };
}

function runFilter(
  query: RunQuery,
  after: readonly string[] | null,
  ascending: boolean,
): Filter<RunDocument> {
  const clauses: Filter<RunDocument>[] = [];
  if (query.kind !== undefined) clauses.push({ kind: query.kind });
  if (query.resourceId !== undefined) clauses.push({ resourceId: query.resourceId });
  if (query.status !== undefined) clauses.push({ status: query.status });
  if (query.target !== undefined) {
    clauses.push(
      query.target.startsWith(ACTION_PREFIX)
        ? { action: query.target.slice(ACTION_PREFIX.length) }
        : { target: query.target, action: null },
    );
  }
  if (query.actor !== undefined) clauses.push({ requestedBy: query.actor });
  if (query.since !== undefined) clauses.push({ createdAt: { $gte: query.since } });
  if (query.until !== undefined) clauses.push({ createdAt: { $lt: query.until } });
  if (after !== null) {
    const [createdAt, id] = after as [string, string];
    const beyond = ascending ? '$gt' : '$lt';
    clauses.push({ $or: [{ createdAt: { [beyond]: createdAt } }, { createdAt, _id: { [beyond]: id } }] });
  }
  return clauses.length > 0 ? { $and: clauses } : {};
}
