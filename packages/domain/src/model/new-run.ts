import type { Resource } from './resource';
import type { Run, RunInput } from './run';

/** What a new run is asked to do, for whom and when; the rest starts as every queued run does. */
export interface NewRunFields {
  id: string;
  resource: Pick<Resource, 'id' | 'kind' | 'state'>;
  target: string;
  /** The kind's action it performs, if any. @defaultValue null */
  action?: string | null;
  reason: string | null;
  /** @defaultValue false */
  force?: boolean;
  requestedBy: string;
  /** @defaultValue null */
  requestId?: string | null;
  /** @defaultValue null */
  idempotencyKey?: string | null;
  createdAt: string;
  /** The analytics dimensions the kind declares, read from the spec. */
  groups: Record<string, string>;
  /** What a kind's own route hands its steps (a rollback's version); absent for most runs. */
  input?: RunInput;
}

/**
 * The one place a run record is made: queued, not started, no step yet. `failingSince` starts null;
 * admission sets it from the resource's last run (an instant or discovery run is no deploy, so
 * neither starts nor ends an outage).
 */
export function newRun(fields: NewRunFields): Run {
  return {
    id: fields.id,
    resourceId: fields.resource.id,
    kind: fields.resource.kind,
    target: fields.target,
    action: fields.action ?? null,
    reason: fields.reason,
    force: fields.force ?? false,
    status: 'queued',
    requestedBy: fields.requestedBy,
    requestId: fields.requestId ?? null,
    idempotencyKey: fields.idempotencyKey ?? null,
    fromState: fields.resource.state,
    step: null,
    attempt: 0,
    error: null,
    cancelRequestedBy: null,
    cancelReason: null,
    createdAt: fields.createdAt,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    groups: fields.groups,
    failingSince: null,
    ...(fields.input === undefined ? {} : { input: fields.input }),
  };
}
