import {
  type ClusterSpec,
  clusterKind,
  isTerminalRunStatus,
  listAllOfKind,
  type Resource,
  type ResourceStore,
  type RunStore,
  type ServiceSpec,
  serviceKind,
} from '@slipway/domain';
import type { ServiceClusters } from '@slipway/ops';

const SERVICE_ID = /^[0-9A-Z]{26}$/;

export function isServiceId(value: string): boolean {
  return SERVICE_ID.test(value);
}

/**
 * The service a cluster's `spec.service` names, by id or by name; of several with the name (the
 * name is free again once one is destroyed) the one whose life has not ended.
 */
export async function findService(
  store: ResourceStore,
  nameOrId: string,
): Promise<Resource<ServiceSpec> | null> {
  if (isServiceId(nameOrId)) {
    const found = await store.getResource(nameOrId);
    return found?.kind === serviceKind.name ? (found as Resource<ServiceSpec>) : null;
  }
  const named = (await listAllOfKind(store, serviceKind)).filter((service) => service.name === nameOrId);
  return named.find((service) => service.state !== 'destroyed') ?? null;
}

/** The clusters that serve `service` (by name) now: the live one and those in standby. */
export async function clustersOf(store: ResourceStore, service: string): Promise<ServiceClusters> {
  const ofService = (clusters: Resource<ClusterSpec>[]) =>
    clusters.filter((cluster) => cluster.spec.service === service);
  const [live, standby] = await Promise.all([
    listAllOfKind(store, clusterKind, { state: 'live' }),
    listAllOfKind(store, clusterKind, { state: 'standby' }),
  ]);
  return { live: ofService(live)[0] ?? null, standby: ofService(standby) };
}

/**
 * A cluster of `service` (by name) on its way to live: promoting, or holding a run to `live` that
 * has not ended (queued behind others). The run is null only for a cluster left promoting with no
 * run, which recovery resumes.
 */
export async function promoteInFlight(
  store: ResourceStore & Pick<RunStore, 'getRun'>,
  service: string,
): Promise<{ cluster: Resource<ClusterSpec>; runId: string | null } | null> {
  const clusters = (await listAllOfKind(store, clusterKind)).filter(
    (cluster) => cluster.spec.service === service,
  );
  for (const cluster of clusters) {
    if (cluster.activeRunId) {
      const run = await store.getRun(cluster.activeRunId);
      const headedLive =
        run && run.action === null && run.target === 'live' && !isTerminalRunStatus(run.status);
      if (headedLive || cluster.state === 'promoting') return { cluster, runId: cluster.activeRunId };
    } else if (cluster.state === 'promoting') {
      return { cluster, runId: null };
    }
  }
  return null;
}
