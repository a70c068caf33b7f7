import { randomUUID } from 'node:crypto';
import { type Resource, type Run, SlipwayError, type Transition } from '@slipway/domain';
import { type ChangeDocument, type ChangeOp, changeId, type ResourceSnapshot } from './change-document';
import { appendChange, type Head } from './change-log';
import { currentHead } from './current-head';
import { faultPoint } from './fault-point';
import { PRUNE_EVERY, pruneLog } from './log-pruning';
import type { MongoCollections } from './mongo-collections';
import { advanceProjections } from './projections';
import { holdsName, toResourceDocument } from './resource-mapper';
import { toRunDocument } from './run-mapper';
import { toTransitionDocument } from './transition-mapper';

/** What a write decided, in domain terms. */
export interface ChangeIntent {
  op: ChangeOp;
  /** The resource after the change; omitted when only a run changes. */
  resource?: Resource;
  /** The resource gives up its name for reuse (a terminal transition). */
  releaseName?: boolean;
  /** The run after the change: started, updated or finished. */
  run?: Run;
  transition?: Transition;
}

/** A write's verdict on the head it was shown: append a change, or answer without writing. */
export type Decision<T> = { kind: 'append'; change: ChangeIntent; result: T } | { kind: 'answer'; result: T };

/** Past this many lost races the caller is told to retry rather than spin here. */
const MAX_ATTEMPTS = 50;

/**
 * The one write path for a resource and its runs: read the head, let `decide` check its
 * conditions against it (throwing refusals), append the change at head + 1, and project it. Losing
 * the append means someone else changed the resource in between, so the conditions are checked
 * again against the new head: this is what makes every write atomic without transactions or
 * conditional updates.
 */
export async function writeChange<T>(
  collections: MongoCollections,
  resourceId: string,
  decide: (head: Head | null) => Promise<Decision<T>>,
): Promise<T> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const head = await currentHead(collections, resourceId);
    const decision = await decide(head);
    if (decision.kind === 'answer') return decision.result;
    if (!head) throw new Error(`writeChange: resource ${resourceId} has no head to append after`);
    const change = buildChange(head, decision.change);
    if (await appendChange(collections, change)) {
      faultPoint('mongo:after-append');
      await projectCommitted(collections, change);
      return decision.result;
    }
    await pause(attempt);
  }
  throw new SlipwayError(
    'version_conflict',
    `Resource ${resourceId} kept changing while this request tried to write; retry it.`,
  );
}

/**
 * The change is committed once appended: it is the answer to every read of the resource from now
 * on, whatever happens to its projections. So a failure while projecting (another writer's write
 * colliding, the server going away) must not turn the committed write into an error for its
 * caller; the projections stay behind exactly as after a crash here, and are brought up to date by
 * the next read or write of the resource or by the recovery sweep.
 */
async function projectCommitted(collections: MongoCollections, change: ChangeDocument): Promise<void> {
  try {
    await advanceProjections(collections, change.resourceId, change.pos, change);
    // Everything up to this change was projected before it was appended, and from it on just now.
    if (change.pos % PRUNE_EVERY === 0) await pruneLog(collections, change.resourceId, change.pos);
  } catch {
    // Deliberately dropped; see above. The next reader of this resource meets the same failure if it lasts.
  }
}

/** The log entry for `intent` at the position after `head`. */
export function buildChange(head: Head, intent: ChangeIntent): ChangeDocument {
  const pos = head.pos + 1;
  const resourceId = head.resource._id;
  const run = intent.run ? toRunDocument(intent.run, pos) : undefined;
  const change: ChangeDocument = {
    _id: changeId(resourceId, pos),
    resourceId,
    pos,
    writeId: randomUUID(),
    op: intent.op,
    committedAt: new Date().toISOString(),
    resource: snapshotAfter(head, intent, pos, run),
  };
  if (run) change.run = run;
  if (intent.transition) change.transition = toTransitionDocument(intent.transition);
  return change;
}

function snapshotAfter(
  head: Head,
  intent: ChangeIntent,
  pos: number,
  run: ChangeDocument['run'],
): ResourceSnapshot {
  const { pos: _previous, activeRun: previousRun, ...unchanged } = head.resource;
  const nameHeld = holdsName(head.resource) && !intent.releaseName;
  const resource = intent.resource ? toResourceDocument(intent.resource, nameHeld) : unchanged;
  // Finishing a run frees the resource; starting or updating one makes it the active run.
  const activeRun = intent.op === 'finish-run' ? null : (run ?? previousRun);
  return { ...resource, pos, activeRun };
}

/** The first retries go at once (the usual loser just needs to re-read); later ones spread out. */
function pause(attempt: number): Promise<void> {
  if (attempt < 2) return Promise.resolve();
  const ms = Math.min(50, attempt * 2) * Math.random();
  return new Promise((resolve) => setTimeout(resolve, ms));
}
