import {
  factOfRun,
  isTerminalRunStatus,
  type Page,
  type Run,
  type RunChanges,
  type RunEnd,
  type RunQuery,
  type RunStatus,
  recoveryFactOfRun,
} from '@slipway/domain';
import { withRunDefaults } from '../query/audit-defaults';
import { decodeCursor, encodeCursor } from '../query/cursor';
import { checkPageLimit, takePage } from '../query/page-limit';
import { emptyRunTimeRange, normalizeRunQuery, runMatches, runQueryShape } from '../query/run-filter';
import { duplicateId, resourceTakingRun } from '../rules/resource-rules';
import {
  changedRun,
  checkRunChanges,
  checkRunEnd,
  checkStartable,
  endedRun,
  resourceFreedBy,
} from '../rules/run-rules';
import type { LmdbDatabases } from './lmdb-databases';
import { loadResource } from './resource-operations';
import { addRollupFact } from './rollup-operations';
import { transitionRange } from './transition-indexes';

/** Runs inside a write transaction; throws before writing anything when it refuses. */
export function startRun(dbs: LmdbDatabases, run: Run): void {
  checkStartable(run);
  const taken = resourceTakingRun(loadResource(dbs, run.resourceId), run);
  if (dbs.runs.doesExist(run.id)) throw duplicateId('run', run.id);
  dbs.runs.put(run.id, run);
  dbs.runsByTime.put([run.createdAt, run.id], true);
  dbs.runsByResource.put([run.resourceId, run.createdAt, run.id], true);
  dbs.unfinishedRuns.put(run.id, true);
  dbs.resources.put(taken.id, taken);
}

/**
 * Runs inside a write transaction. A finished run is an audit record and never changes again, so
 * it is refused whatever `from` says; ending a run is `finishRun`'s job because it must also free
 * the resource.
 */
export function updateRun(
  dbs: LmdbDatabases,
  id: string,
  from: readonly RunStatus[],
  changes: RunChanges,
): Run | null {
  checkRunChanges(id, changes);
  const run = dbs.runs.get(id);
  if (!run || isTerminalRunStatus(run.status) || !from.includes(run.status)) return null;
  const next = changedRun(run, changes);
  dbs.runs.put(id, next);
  return next;
}

/** Runs inside a write transaction: the run ends and its resource is freed together. */
export function finishRun(
  dbs: LmdbDatabases,
  id: string,
  from: readonly RunStatus[],
  end: RunEnd,
): Run | null {
  checkRunEnd(id, end);
  const run = dbs.runs.get(id);
  if (!run || isTerminalRunStatus(run.status) || !from.includes(run.status)) return null;
  const next = endedRun(run, end);
  dbs.runs.put(id, next);
  dbs.unfinishedRuns.remove(id);
  addRollupFact(dbs, factOfRun(next));
  addRollupFact(dbs, recoveryFactOfRun(next));
  const resource = dbs.resources.get(run.resourceId);
  const freed = resource ? resourceFreedBy(resource, id, end.finishedAt) : null;
  if (freed) dbs.resources.put(freed.id, freed);
  return next;
}

/** Oldest first, so a restart resumes runs in the order they were accepted. */
export function listUnfinishedRuns(dbs: LmdbDatabases): Run[] {
  const runs: Run[] = [];
  for (const id of dbs.unfinishedRuns.getKeys()) {
    const run = dbs.runs.get(id);
    if (run && !isTerminalRunStatus(run.status)) runs.push(run);
  }
  return runs;
}

/** By (createdAt, id), newest first unless `order` is `asc`; filters apply to what the index yields. */
export function listRuns(dbs: LmdbDatabases, raw: RunQuery): Page<Run> {
  const limit = checkPageLimit(raw.limit);
  const query = normalizeRunQuery(raw);
  const shape = runQueryShape(query);
  const after = query.cursor === undefined ? null : decodeCursor(query.cursor, shape, 2);
  if (emptyRunTimeRange(query)) return { items: [], nextCursor: null };
  const order = { ...query, order: query.order ?? 'desc' };
  const keys =
    query.resourceId === undefined
      ? dbs.runsByTime.getKeys(transitionRange([], order, after))
      : dbs.runsByResource.getKeys(transitionRange([query.resourceId], order, after));
  const { items, more } = takePage(matchingRuns(dbs, keys, query), limit);
  const last = items.at(-1);
  return { items, nextCursor: more && last ? encodeCursor(shape, [last.createdAt, last.id]) : null };
}

function* matchingRuns(dbs: LmdbDatabases, keys: Iterable<unknown>, query: RunQuery): Generator<Run> {
  for (const key of keys) {
    const id = Array.isArray(key) ? key.at(-1) : undefined;
    const run = typeof id === 'string' ? dbs.runs.get(id) : undefined;
    if (run && runMatches(query, run)) yield withRunDefaults(run);
  }
}

/** Runs stored before the time index existed get their entries, once, inside a write transaction. */
export function indexRunsByTime(dbs: LmdbDatabases): void {
  for (const { value: run } of dbs.runs.getRange()) {
    dbs.runsByTime.put([run.createdAt, run.id], true);
    dbs.runsByResource.put([run.resourceId, run.createdAt, run.id], true);
  }
}
