import type { Page, Resource } from '../model/resource';
import type { Run, RunError, RunStatus } from '../model/run';
import type { Transition, TransitionOutcome } from '../model/transition';

export interface TransitionQuery {
  kind?: string;
  resourceId?: string;
  runId?: string;
  actor?: string;
  outcome?: TransitionOutcome;
  event?: string;
  /** The state the transition entered. */
  to?: string;
  /** Analytics dimensions the run carried (`{ service: 'web' }`); every one must match. */
  groups?: Record<string, string>;
  /** ISO timestamps, inclusive since / exclusive until, on `endedAt`. */
  since?: string;
  until?: string;
  /** `asc` (default): oldest first; `desc`: newest first. */
  order?: ListOrder;
  limit: number;
  cursor?: string;
}

export type ListOrder = 'asc' | 'desc';

export interface RunQuery {
  kind?: string;
  resourceId?: string;
  status?: RunStatus;
  /** As `runTargetLabel` names it: a state, or `action:<name>`. */
  target?: string;
  /** `requestedBy`. */
  actor?: string;
  /** ISO timestamps, inclusive since / exclusive until, on `createdAt`. */
  since?: string;
  until?: string;
  /** `desc` (default): newest first; `asc`: oldest first. */
  order?: ListOrder;
  limit: number;
  cursor?: string;
}

/** The write that accompanies a transition: the resource's new state and provider status. */
export interface TransitionWrite {
  transition: Transition;
  /** Merged into `resource.status`. */
  status?: Record<string, unknown>;
  /** Terminal states release the resource's name for reuse. */
  releaseName?: boolean;
  /**
   * The run that must hold the resource for the write to apply. Defaults to `transition.runId`;
   * `null` is for a resource changed by another resource's run (a live cluster displaced by a
   * promotion), which must not be held by any run at that moment.
   */
  expectedActiveRunId?: string | null;
}

/** What `updateRun` may change on a run that has not ended. */
export type RunChanges = Partial<
  Pick<Run, 'status' | 'step' | 'attempt' | 'startedAt' | 'cancelRequestedBy' | 'cancelReason'>
>;

/** How a run ends (`finishRun`). */
export interface RunEnd {
  status: RunStatus;
  error: RunError | null;
  finishedAt: string;
  durationMs: number;
}

/**
 * Runs and their transitions, one aggregate with the resource they change: starting and ending a
 * run claims and frees the resource, and a transition moves it, each in one atomic step. Every
 * promise is checked against every adapter by the store contract suite.
 */
export interface RunStore {
  /**
   * Inserts the run and sets `resource.activeRunId = run.id` in one atomic step, only if the
   * resource has no active run and is still in `run.fromState`. Otherwise throws
   * `SlipwayError('run_conflict', ..., { activeRunId })` (or `version_conflict` if the state moved).
   */
  startRun(run: Run): Promise<void>;
  getRun(id: string): Promise<Run | null>;
  /**
   * Updates a non-terminal run's status/step/attempt/startedAt if its current status is one of
   * `from`; returns the updated run, or null when the status was not in `from`.
   */
  updateRun(id: string, from: readonly RunStatus[], changes: RunChanges): Promise<Run | null>;
  /**
   * Ends a run (terminal status) and clears the resource's `activeRunId`, atomically, if the run's
   * status is one of `from`. Returns the finished run, or null when it was not.
   */
  finishRun(id: string, from: readonly RunStatus[], end: RunEnd): Promise<Run | null>;
  /** Runs that are queued, running or cancelling: the work a restart must pick up. */
  listUnfinishedRuns(): Promise<Run[]>;

  /**
   * Persists a transition and moves the resource to `transition.to` in one atomic step, only if
   * the resource is in `transition.from`, at `seq === transition.seq - 1`, and its active run is
   * `transition.runId`. Otherwise throws `SlipwayError('version_conflict')` and writes nothing.
   * Returns the updated resource.
   */
  recordTransition(write: TransitionWrite): Promise<Resource>;
  /** By (endedAt, id), oldest first unless `order` is `desc`. */
  listTransitions(query: TransitionQuery): Promise<Page<Transition>>;
  /** By (createdAt, id), newest first unless `order` is `asc`. */
  listRuns(query: RunQuery): Promise<Page<Run>>;
}
