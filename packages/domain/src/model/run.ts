export const RUN_STATUSES = ['queued', 'running', 'cancelling', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

export function isTerminalRunStatus(status: RunStatus): boolean {
  return TERMINAL_RUN_STATUSES.includes(status);
}

export interface RunError {
  code: string;
  message: string;
}

/** What a run is given beside its target, by the route that requested it (a rollback's version). */
export type RunInput = Readonly<Record<string, string | number | boolean>>;

/** One request to move one resource to a target state. */
export interface Run {
  id: string;
  resourceId: string;
  kind: string;
  /** The state to reach; for an action run, the state the resource must stay in. */
  target: string;
  /** Set when the run performs an action (e.g. `verify`) instead of moving to a target. */
  action: string | null;
  status: RunStatus;
  requestedBy: string;
  reason: string | null;
  force: boolean;
  requestId: string | null;
  idempotencyKey: string | null;
  /** State of the resource when the run was accepted. */
  fromState: string;
  /** The provider step in progress (recorded before the provider is called, so a restart knows). */
  step: string | null;
  /** How many times the current step has been started; > 1 after a retry across a crash. */
  attempt: number;
  error: RunError | null;
  cancelRequestedBy: string | null;
  cancelReason: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  /**
   * The analytics dimensions the kind declares (`KindAnalytics.groupBy`), read from the spec when the
   * run was accepted, so rollups and audit filters never need the resource.
   */
  groups: Record<string, string>;
  /**
   * When the resource's runs to this target started failing, if the last one before this run failed
   * (the end of the first failure of the streak); null otherwise. A success of this run is then a
   * recovery, rolled up as the time to recover.
   */
  failingSince: string | null;
  /**
   * Set at request by a kind's own route and never changed after: what the steps act on instead
   * of the spec (the version a setting's rollback applies), so request and run are one write.
   */
  input?: RunInput;
}
