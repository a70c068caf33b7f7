import {
  type Resource,
  type ResourcePatch,
  type Run,
  runConflict,
  SlipwayError,
  type TransitionWrite,
} from '@slipway/domain';

/**
 * What every store decides the same way, whatever it commits with: these take the resource as
 * the store currently holds it, refuse with the contract's errors, and answer the resource as it
 * must be written. Nothing here reads or writes; the adapters do that atomically around it.
 */

/** `patchResource`: optimistic concurrency by version. */
export function patchedResource(
  resource: Resource,
  expectedVersion: number,
  patch: ResourcePatch,
  at: string,
): Resource {
  if (resource.version !== expectedVersion) {
    throw new SlipwayError(
      'version_conflict',
      `Resource ${resource.id} is at version ${resource.version}, not ${expectedVersion}; reload it and retry.`,
      { currentVersion: resource.version },
    );
  }
  return {
    ...resource,
    spec: patch.spec ?? resource.spec,
    labels: patch.labels ?? resource.labels,
    version: resource.version + 1,
    updatedAt: at,
  };
}

/**
 * `startRun`: the resource takes the run as its one active run, only if it has none and is still
 * in the state the run was planned from.
 */
export function resourceTakingRun(resource: Resource, run: Run): Resource {
  if (resource.activeRunId !== null) throw runConflict(resource.activeRunId);
  if (resource.state !== run.fromState) {
    throw new SlipwayError(
      'version_conflict',
      `The resource moved to "${resource.state}" since the run was planned from "${run.fromState}"; request it again.`,
      { state: resource.state },
    );
  }
  return { ...resource, activeRunId: run.id, version: resource.version + 1, updatedAt: run.createdAt };
}

/**
 * `recordTransition`: applies only if the resource is in `from`, at `seq - 1`, and held by the
 * expected run (the transition's own, or none for a displacement).
 */
export function transitionedResource(resource: Resource, write: TransitionWrite): Resource {
  const { transition } = write;
  const holder = write.expectedActiveRunId === undefined ? transition.runId : write.expectedActiveRunId;
  if (
    resource.state !== transition.from ||
    resource.seq !== transition.seq - 1 ||
    resource.activeRunId !== holder
  ) {
    throw new SlipwayError(
      'version_conflict',
      `Resource ${resource.id} is "${resource.state}" at seq ${resource.seq} held by run ${resource.activeRunId ?? 'none'}; ` +
        `the transition expected "${transition.from}" at seq ${transition.seq - 1} held by ${holder === null ? 'no run' : `run ${holder}`}.`,
      { state: resource.state, seq: resource.seq, activeRunId: resource.activeRunId },
    );
  }
  return {
    ...resource,
    state: transition.to,
    seq: transition.seq,
    version: resource.version + 1,
    status: { ...resource.status, ...write.status },
    updatedAt: transition.endedAt,
  };
}

/** A duplicate id is refused as a conflict: the same record must not be written twice. */
export function duplicateId(what: 'resource' | 'run' | 'transition', id: string): SlipwayError {
  return new SlipwayError('version_conflict', `A ${what} with id "${id}" already exists.`, { id });
}
