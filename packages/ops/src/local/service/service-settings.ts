import type { ClusterSpec, Resource } from '@slipway/domain';
import type { ClusterSettings } from '../cluster/cluster-settings';

/** The clusters of one service as the store has them. */
export interface ServiceClusters {
  live: Resource<ClusterSpec> | null;
  standby: Resource<ClusterSpec>[];
}

/** What the service steps need: the balancer settings clusters share, and the service's clusters. */
export interface ServiceSettings extends Omit<ClusterSettings, 'getResource'> {
  clustersOf(service: string): Promise<ServiceClusters>;
}
