import { SlipwayError } from '../errors/slipway-error';
import type { SpecReference } from '../kinds/kind-definition';
import type { KindRegistry, RegisteredKind } from '../kinds/kind-registry';
import type { Resource } from '../model/resource';
import { isTerminalRunStatus, type Run } from '../model/run';
import type { ResourceStore } from '../ports/resource-store';
import type { RunStore } from '../ports/run-store';
import { listAllResources } from './list-all-resources';

/** A run to a terminal state (destroyed) ends the resource's life: what `references` protect against. */
export function endsLife(kind: RegisteredKind, target: string): boolean {
  return kind.terminalStates.has(target);
}

/**
 * The resources that depend on `resource` through one of their kind's `references` (the clusters
 * running on an image): their spec names it and their own life has not ended. A failed or pending
 * cluster counts, since it can still be launched from the image.
 */
export async function referencingResources(
  store: ResourceStore,
  kinds: KindRegistry,
  resource: Resource,
): Promise<Resource[]> {
  const found: Resource[] = [];
  for (const kind of kinds.all()) {
    const fields = (kind.definition.references ?? [])
      .filter((reference) => reference.kind === resource.kind)
      .map((reference) => reference.field);
    if (fields.length === 0) continue;
    // No index on spec fields: every resource of the referencing kind is read, only on this path.
    for (const candidate of await listAllResources(store, { kind: kind.definition.name })) {
      if (kind.terminalStates.has(candidate.state)) continue;
      if (fields.some((field) => candidate.spec[field] === resource.id)) found.push(candidate);
    }
  }
  return found.sort((a, b) => a.id.localeCompare(b.id));
}

export function resourceInUse(resource: Resource, holders: readonly Resource[]): SlipwayError {
  const names = holders.map((holder) => `${holder.kind} ${holder.id} (${holder.state})`).join(', ');
  return new SlipwayError(
    'resource_in_use',
    `${resource.kind} ${resource.id} is still used by ${names}; destroy ${holders.length === 1 ? 'it' : 'them'} first.`,
    { referencedBy: holders.map((holder) => holder.id) },
  );
}

/** The run ending the life of a referenced resource, if one is active on it (an image being destroyed). */
export async function lifeEndingRun(
  store: RunStore,
  kinds: KindRegistry,
  target: Resource,
): Promise<Run | null> {
  if (!target.activeRunId) return null;
  const run = await store.getRun(target.activeRunId);
  if (!run || isTerminalRunStatus(run.status)) return null;
  return endsLife(kinds.get(target.kind), run.target) ? run : null;
}

export function referenceBeingDestroyed(reference: SpecReference, target: Resource, run: Run): SlipwayError {
  return new SlipwayError(
    'run_conflict',
    `spec.${reference.field}: ${reference.kind} ${target.id} is being destroyed by run ${run.id}; pick another ${reference.kind}.`,
    { activeRunId: run.id },
  );
}
