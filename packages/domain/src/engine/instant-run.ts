import { newRun } from '../model/new-run';
import type { Resource } from '../model/resource';
import type { Run } from '../model/run';
import type { Transition } from '../model/transition';
import type { ResourceStore } from '../ports/resource-store';
import type { RunStore } from '../ports/run-store';

/** One recorded change that needs no provider step: freezing a service, adopting one at start. */
export interface InstantChange {
  resource: Resource;
  event: string;
  to: string;
  reason: string | null;
  requestedBy: string;
  outputs: Record<string, unknown>;
  /** Merged into the resource's status with the transition. */
  status?: Record<string, unknown>;
  /** The analytics dimensions the kind declares, read from the spec (none when it declares none). */
  groups?: Record<string, string>;
}

/**
 * Records a change as a run of its own with one transition (actor and reason on the audit trail
 * like every change), in the caller's process: start the run (the one-active-run lock), record the
 * transition, finish the run. A crash in between leaves a queued run that the recovery walk ends:
 * after the transition, as succeeded; before it, also as succeeded when the target is the state the
 * resource is in (the change was not made, and the caller, who got no answer, asks again), or by
 * walking the kind's own path to the target (an adoption then provisions, which keeps the balancer
 * that runs).
 */
export async function recordInstantRun(
  store: RunStore & Pick<ResourceStore, 'getResource'>,
  change: InstantChange,
  ids: { newId(): string; now(): string },
): Promise<{ run: Run; resource: Resource; transition: Transition }> {
  const { resource } = change;
  const at = ids.now();
  // An instant change is not a deploy: it neither starts nor ends an outage (failingSince stays null).
  const run = newRun({
    id: ids.newId(),
    resource,
    target: change.to,
    reason: change.reason,
    requestedBy: change.requestedBy,
    createdAt: at,
    groups: change.groups ?? {},
  });
  await store.startRun(run);
  try {
    return await recordAndFinish(store, change, run, at, ids);
  } catch (error) {
    // The run holds the resource's one-active-run lock: leaving it queued would refuse every later
    // run until a restart's recovery walk.
    await store.finishRun(run.id, ['queued'], {
      status: 'failed',
      error: { code: 'instant_run_failed', message: error instanceof Error ? error.message : String(error) },
      finishedAt: ids.now(),
      durationMs: 0,
    });
    throw error;
  }
}

async function recordAndFinish(
  store: RunStore & Pick<ResourceStore, 'getResource'>,
  change: InstantChange,
  run: Run,
  at: string,
  ids: { newId(): string; now(): string },
): Promise<{ run: Run; resource: Resource; transition: Transition }> {
  // Re-read under the lock: a run that finished after the caller loaded the resource moved its seq.
  const resource = (await store.getResource(run.resourceId)) ?? change.resource;
  const transition: Transition = {
    id: ids.newId(),
    seq: resource.seq + 1,
    resourceId: resource.id,
    kind: resource.kind,
    runId: run.id,
    from: resource.state,
    to: change.to,
    event: change.event,
    attempt: 0,
    startedAt: at,
    endedAt: at,
    durationMs: 0,
    outcome: 'succeeded',
    error: null,
    outputs: change.outputs,
    log: '',
    actor: change.requestedBy,
    target: run.target,
    reason: change.reason,
    requestId: null,
    step: null,
    groups: run.groups,
  };
  const moved = await store.recordTransition({
    transition,
    ...(change.status ? { status: change.status } : {}),
  });
  const finished = await store.finishRun(run.id, ['queued'], {
    status: 'succeeded',
    error: null,
    finishedAt: ids.now(),
    durationMs: 0,
  });
  return { run: finished ?? run, resource: moved, transition };
}
