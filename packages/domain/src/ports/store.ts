import type { Page, Resource } from '../model/resource';
import type { Run, RunError, RunStatus } from '../model/run';
import type { Transition, TransitionOutcome } from '../model/transition';

export interface ResourceQuery {
  kind: string;
  state?: string;
  /** Every label must match exactly. */
  labels?: Record<string, string>;
  limit: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
}

export interface TransitionQuery {
  kind?: string;
  resourceId?: string;
  runId?: string;
  actor?: string;
  outcome?: TransitionOutcome;
  /** ISO timestamps, inclusive since / exclusive until, on `endedAt`. */
  since?: string;
  until?: string;
  limit: number;
  cursor?: string;
}

export interface ResourcePatch {
  spec?: Record<string, unknown>;
  labels?: Record<string, string>;
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

export type IdempotencyReservation =
  | { kind: 'reserved' }
  | { kind: 'in-progress' }
  | { kind: 'completed'; fingerprint: string; response: StoredResponse };

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Who holds a reservation of an idempotency key, and until when. */
export interface IdempotencyLease {
  /** Unique to this one reservation: completing and releasing name it. */
  claimId: string;
  /** The process holding it, so a restart can release what its dead predecessor left. */
  owner: string;
  /** ISO time after which the reservation counts as abandoned and another request may take the key over. */
  expiresAt: string;
}

/** What a completed request leaves under its key. */
export interface IdempotencyRecord {
  fingerprint: string;
  response: StoredResponse;
  /** ISO time until which the response is replayed; after it the key is free again. */
  keepUntil: string;
}

/**
 * The persistence port. Every method is atomic on its own; the promises below are what the
 * engine relies on, and the store contract suite checks each of them against every adapter.
 */
export interface Store {
  /**
   * Inserts a new resource. Throws `SlipwayError('name_taken')` when another live resource of the
   * same kind has the name.
   */
  createResource(resource: Resource): Promise<void>;
  getResource(id: string): Promise<Resource | null>;
  /** Newest first. Throws `SlipwayError('invalid_cursor')` for a cursor it did not issue. */
  listResources(query: ResourceQuery): Promise<Page<Resource>>;
  /**
   * Applies a spec/labels patch if `resource.version === expectedVersion` (bumping the version),
   * else throws `SlipwayError('version_conflict')`. Returns the updated resource.
   */
  patchResource(id: string, expectedVersion: number, patch: ResourcePatch, at: string): Promise<Resource>;

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
  /** Oldest first (by endedAt, then seq). */
  listTransitions(query: TransitionQuery): Promise<Page<Transition>>;

  /**
   * Claims an idempotency key (scoped by the caller) for `lease`, as of `now`. `reserved` means this
   * request owns it and must `completeIdempotency` or `releaseIdempotency` with `lease.claimId`. A
   * reservation past its `expiresAt`, or a record past its `keepUntil`, counts as absent: of many
   * requests taking it over at once, exactly one reserves it.
   */
  reserveIdempotency(
    key: string,
    fingerprint: string,
    lease: IdempotencyLease,
    now: string,
  ): Promise<IdempotencyReservation>;
  /** Stores the response, if the key is still reserved by `claimId`; otherwise changes nothing. */
  completeIdempotency(key: string, claimId: string, record: IdempotencyRecord): Promise<void>;
  /** Frees the key, if it is still reserved by `claimId`; a completed key is kept. */
  releaseIdempotency(key: string, claimId: string): Promise<void>;
  /** The owners of the reservations held now. */
  idempotencyOwners(): Promise<string[]>;
  /**
   * Frees every reservation of `owner` (a process that is gone), safely against a concurrent
   * takeover of the same key. Returns how many it freed.
   */
  releaseIdempotencyOwnedBy(owner: string): Promise<number>;
  /** Deletes reservations past their expiry and records past their retention as of `now`; returns how many. */
  purgeIdempotency(now: string): Promise<number>;

  /** Small settings of the installation itself (the admin token hash). Set-if-absent is atomic. */
  getSetting(key: string): Promise<string | null>;
  setSettingIfAbsent(key: string, value: string): Promise<string>;

  /** Cheap round trip for `/health/ready`. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
