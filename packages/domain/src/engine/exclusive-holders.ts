import type { RegisteredKind } from '../kinds/kind-registry';
import type { Resource } from '../model/resource';
import { isTerminalRunStatus, type Run } from '../model/run';
import type { ResourceStore } from '../ports/resource-store';
import type { RunStore } from '../ports/run-store';
import { listAllResources } from './list-all-resources';

/** The group a resource belongs to for its kind's exclusive state (a cluster's service), if any. */
export function exclusiveGroup(kind: RegisteredKind, resource: Resource): string | null {
  const field = kind.definition.exclusive?.groupField;
  const value = field ? resource.spec[field] : undefined;
  return typeof value === 'string' ? value : null;
}

/**
 * The resources of the same group that hold the exclusive state (the live cluster of a service),
 * other than `resource` itself. Normally zero or one; more only after a crash mid-promotion, which
 * the next promotion repairs.
 */
export async function exclusiveHolders(
  store: ResourceStore,
  kind: RegisteredKind,
  resource: Resource,
): Promise<Resource[]> {
  const exclusive = kind.definition.exclusive;
  return exclusive ? groupMembersIn(store, kind, resource, exclusive.state) : [];
}

/** The resources of the same group (a cluster's service) in `state`, other than `resource`. */
export async function groupMembersIn(
  store: ResourceStore,
  kind: RegisteredKind,
  resource: Resource,
  state: string,
): Promise<Resource[]> {
  const exclusive = kind.definition.exclusive;
  const group = exclusiveGroup(kind, resource);
  if (!exclusive || group === null) return [];
  const inState = await listAllResources(store, { kind: kind.definition.name, state });
  return inState.filter(
    (candidate) => candidate.id !== resource.id && candidate.spec[exclusive.groupField] === group,
  );
}

/** Working states whose success enters the exclusive state (a cluster's `promoting`). */
export function enteringStates(kind: RegisteredKind): string[] {
  const target = kind.definition.exclusive?.state;
  if (!target) return [];
  return kind.graph.edges
    .filter((edge) => edge.event === 'SUCCESS' && edge.to === target)
    .map((edge) => edge.from);
}

/**
 * A holder of the exclusive state in `resource`'s group that has a run active: a promotion now
 * would displace a resource another run is working on.
 */
export async function busyHolder(
  store: ResourceStore,
  kind: RegisteredKind,
  resource: Resource,
): Promise<Resource | null> {
  const holders = await exclusiveHolders(store, kind, resource);
  return holders.find((holder) => holder.activeRunId !== null) ?? null;
}

/**
 * A run of another resource of `resource`'s group that is headed for the exclusive state (a
 * promote), whether it is still queued or already walking. Its walk will displace the holder, so
 * the holder takes no run of its own meanwhile: the promotion would otherwise wait in its step for
 * a run that may be queued behind it.
 */
export async function runEnteringGroup(
  store: ResourceStore & Pick<RunStore, 'getRun'>,
  kind: RegisteredKind,
  resource: Resource,
): Promise<{ member: Resource; run: Run } | null> {
  const exclusive = kind.definition.exclusive;
  const group = exclusiveGroup(kind, resource);
  if (!exclusive || group === null) return null;
  const members = (await listAllResources(store, { kind: kind.definition.name })).filter(
    (candidate) =>
      candidate.id !== resource.id &&
      candidate.activeRunId !== null &&
      candidate.spec[exclusive.groupField] === group,
  );
  for (const member of members) {
    const run = await store.getRun(member.activeRunId!);
    if (run && run.action === null && run.target === exclusive.state && !isTerminalRunStatus(run.status)) {
      return { member, run };
    }
  }
  return null;
}
