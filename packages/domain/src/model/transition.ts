export const TRANSITION_OUTCOMES = ['requested', 'succeeded', 'failed', 'cancelled'] as const;
/**
 * `requested`: the run moved the resource into a working state;
 * `succeeded` / `failed`: the provider step answered; `cancelled`: the step was aborted and cleaned up.
 */
export type TransitionOutcome = (typeof TRANSITION_OUTCOMES)[number];

/** One persisted state change inside a run: the audit record. */
export interface Transition {
  id: string;
  /** Per-resource sequence, 1-based; unique together with resourceId. */
  seq: number;
  resourceId: string;
  kind: string;
  runId: string;
  from: string;
  to: string;
  event: string;
  attempt: number;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  outcome: TransitionOutcome;
  error: { code: string; message: string } | null;
  outputs: Record<string, unknown>;
  /** Bounded tail of the step's output. */
  log: string;
  actor: string;
  /** The run's target (or `action:<name>` for an action run), carried so the audit needs no join. */
  target: string;
  /** Why the run was requested, as the requester said. */
  reason: string | null;
  requestId: string | null;
  /** The provider step this transition ended (`SUCCESS`/`FAILURE`/`CANCEL` out of a working state, or an action), else null. */
  step: string | null;
  /** The run's analytics dimensions (see `KindAnalytics.groupBy`), e.g. `{ service: 'web', provider: 'local' }`. */
  groups: Record<string, string>;
}
