import type { ResourceDocument } from './resource-mapper';
import type { RunDocument } from './run-mapper';
import type { TransitionDocument } from './transition-mapper';

export type ChangeOp = 'patch' | 'start-run' | 'update-run' | 'finish-run' | 'transition';

/**
 * A resource as of one position of its change log: the resource itself, where in the log it stands,
 * and its active run (at most one, and every run that is not finished is its resource's active run,
 * so the head answers for it). The `resources` projection holds the same shape.
 */
export type ResourceSnapshot = ResourceDocument & {
  /** The position of the change this snapshot reflects; 0 for the resource as created. */
  pos: number;
  activeRun: RunDocument | null;
};

/**
 * One entry of a resource's change log: the commit point of every write that touches the resource
 * or one of its runs. Its `_id` is `resourceId@pos`, so of two writers that read the same head only
 * one can append after it, on every server. An entry carries everything its write decided (the
 * resource as it is after it, the run after it, the transition), so the projections can always be
 * rebuilt from the log.
 */
export interface ChangeDocument {
  _id: string;
  resourceId: string;
  /** 1-based position in the resource's log. */
  pos: number;
  /** Tells a writer whose insert came back as a duplicate (a retried write) that the entry is its own. */
  writeId: string;
  op: ChangeOp;
  committedAt: string;
  resource: ResourceSnapshot;
  /** The run this change started, updated or finished. */
  run?: RunDocument;
  transition?: TransitionDocument;
}

export function changeId(resourceId: string, pos: number): string {
  return `${resourceId}@${pos}`;
}
