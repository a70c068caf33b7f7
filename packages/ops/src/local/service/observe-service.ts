import type { Resource, ServiceSpec } from '@slipway/domain';
import { readBalancerRecord } from '../cluster/balancer-record';
import { servicePaths } from '../cluster/cluster-paths';
import { liveBalancer } from '../cluster/service-balancer';
import type { ServiceSettings } from './service-settings';

/** A type alias so it fits `KindProvider.observe`'s record type. */
export type ServiceObservation = {
  /** Read at GET time and shown in the representation's `status`. */
  status: {
    balancer: { pid: number; answering: boolean } | null;
    liveCluster: string | null;
    standbyClusters: string[];
  };
};

/** A cheap look at the balancer and the service's clusters; changes nothing. */
export async function observeService(
  service: Resource<ServiceSpec>,
  settings: ServiceSettings,
): Promise<ServiceObservation> {
  const paths = servicePaths(settings.dataDir, service.name);
  const [record, clusters] = await Promise.all([
    readBalancerRecord(paths.balancerFile).catch(() => null),
    settings.clustersOf(service.name),
  ]);
  const answering = record ? (await liveBalancer(record, paths, 300)) !== null : false;
  return {
    status: {
      balancer: record ? { pid: record.pid, answering } : null,
      liveCluster: clusters.live?.id ?? null,
      standbyClusters: clusters.standby.map((cluster) => cluster.id),
    },
  };
}
