import {
  isTerminalRunStatus,
  RUN_STATUSES,
  type Run,
  type RunChanges,
  type RunEnd,
  type RunStatus,
} from '@slipway/domain';
import { duplicateId, resourceTakingRun } from '../rules/resource-rules';
import {
  changedRun,
  checkRunChanges,
  checkRunEnd,
  checkStartable,
  endedRun,
  resourceFreedBy,
} from '../rules/run-rules';
import type { ResourceSnapshot } from './change-document';
import { prunedBelow, readChange } from './change-log';
import { type Decision, writeChange } from './change-writer';
import { currentHead } from './current-head';
import type { MongoCollections } from './mongo-collections';
import { toResource } from './resource-mapper';
import { notFound } from './resource-operations';
import { type RunDocument, toRun } from './run-mapper';

const UNFINISHED = RUN_STATUSES.filter((status) => !isTerminalRunStatus(status));

/**
 * The run and the resource's `activeRunId` change in one log entry, so "at most one active run" is
 * decided by which start appends after the head first; a loser re-reads and finds the winner.
 */
export async function startRun(collections: MongoCollections, run: Run): Promise<void> {
  checkStartable(run);
  await writeChange(collections, run.resourceId, async (head): Promise<Decision<void>> => {
    if (!head) throw notFound(run.resourceId);
    const next = resourceTakingRun(toResource(head.resource), run);
    if (await collections.runs.findOne({ _id: run.id }, { projection: { _id: 1 } })) {
      throw duplicateId('run', run.id);
    }
    return { kind: 'append', change: { op: 'start-run', resource: next, run }, result: undefined };
  });
}

/**
 * A run that is not finished is its resource's active run, so the resource's head (read from the
 * log) answers for it. A finished run never changes again, so its projection answers, unless the
 * projection has not seen the finish yet or a slow writer set it back; then the log since the
 * projection's position does, or, when the finish has been pruned from the log, the record pruning
 * kept of it (read after the log: pruning records a finish before it deletes it).
 */
export async function getRun(collections: MongoCollections, id: string): Promise<Run | null> {
  const projected = await collections.runs.findOne({ _id: id });
  if (!projected) return null;
  if (isTerminalRunStatus(projected.status)) return toRun(projected);
  const head = await currentHead(collections, projected.resourceId);
  if (head?.resource.activeRun?._id === id) return toRun(head.resource.activeRun);
  const finished =
    (head ? await runInLog(collections, head.resource, projected) : null) ??
    (await collections.finishedRuns.findOne({ _id: id }));
  return toRun(finished ?? projected);
}

/** A finished run is an audit record and never changes again, whatever `from` says. */
export async function updateRun(
  collections: MongoCollections,
  id: string,
  from: readonly RunStatus[],
  changes: RunChanges,
): Promise<Run | null> {
  checkRunChanges(id, changes);
  return writeActiveRun(collections, id, (run) => {
    if (!from.includes(run.status)) return { kind: 'answer', result: null };
    const next = changedRun(run, changes);
    return { kind: 'append', change: { op: 'update-run', run: next }, result: structuredClone(next) };
  });
}

/** The run ends and its resource is freed in the same log entry. */
export async function finishRun(
  collections: MongoCollections,
  id: string,
  from: readonly RunStatus[],
  end: RunEnd,
): Promise<Run | null> {
  checkRunEnd(id, end);
  return writeActiveRun(collections, id, (run, snapshot) => {
    if (!from.includes(run.status)) return { kind: 'answer', result: null };
    const next = endedRun(run, structuredClone(end));
    const freed = resourceFreedBy(toResource(snapshot), id, end.finishedAt) ?? undefined;
    return {
      kind: 'append',
      change: { op: 'finish-run', run: next, resource: freed },
      result: structuredClone(next),
    };
  });
}

/**
 * Oldest first, so a restart resumes runs in the order they were accepted (run ids are ULIDs).
 * From the projection, so a run whose finish is not projected yet can still be listed; whoever
 * resumes it reads it with `getRun` first and finds it finished.
 */
export async function listUnfinishedRuns(collections: MongoCollections): Promise<Run[]> {
  const documents = await collections.runs
    .find({ status: { $in: [...UNFINISHED] } })
    .sort({ _id: 1 })
    .toArray();
  return documents.map(toRun);
}

/**
 * Runs `decide` on the run if it is still its resource's active run, at the resource's head; a run
 * that is not (it finished, or never started) answers null without a write.
 */
async function writeActiveRun(
  collections: MongoCollections,
  id: string,
  decide: (run: Run, snapshot: ResourceSnapshot) => Decision<Run | null>,
): Promise<Run | null> {
  const located = await collections.runs.findOne({ _id: id }, { projection: { resourceId: 1 } });
  if (!located) return null;
  return writeChange(collections, located.resourceId, async (head) => {
    const active = head?.resource.activeRun;
    if (!head || active?._id !== id) return { kind: 'answer', result: null };
    return decide(toRun(active), head.resource);
  });
}

/** The run as the newest change after `projected` left it, up to the head; null when none did. */
async function runInLog(
  collections: MongoCollections,
  head: ResourceSnapshot,
  projected: RunDocument,
): Promise<RunDocument | null> {
  let latest: RunDocument | null = null;
  // Below the hint the log is gone; what it held of this run is in finishedRuns.
  const from = Math.max(projected.rev + 1, (await prunedBelow(collections, head._id)) ?? 0);
  for (let pos = from; pos <= head.pos; pos++) {
    const change = await readChange(collections, head._id, pos);
    if (change?.run?._id === projected._id) latest = change.run;
  }
  return latest;
}
