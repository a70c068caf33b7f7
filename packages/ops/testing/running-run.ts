import type { Run } from '@slipway/domain';

/** A run as the walker holds it while a step of it runs, for calling provider steps directly. */
export function runningRun(
  fields: Pick<
    Run,
    'id' | 'resourceId' | 'kind' | 'target' | 'requestedBy' | 'fromState' | 'step' | 'attempt'
  >,
): Run {
  const now = new Date().toISOString();
  return {
    ...fields,
    action: null,
    status: 'running',
    reason: null,
    force: false,
    requestId: null,
    idempotencyKey: null,
    error: null,
    cancelRequestedBy: null,
    cancelReason: null,
    createdAt: now,
    startedAt: now,
    finishedAt: null,
    durationMs: null,
    groups: {},
    failingSince: null,
  };
}
