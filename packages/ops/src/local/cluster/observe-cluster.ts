import type { ClusterSpec, Resource } from '@slipway/domain';
import { portOpen } from '../../verify/port-open';
import { readBalancerState } from './balancer/balancer-client';
import { adminUrl, balancerUrl, readBalancerRecord } from './balancer-record';
import { clusterPaths, servicePaths } from './cluster-paths';
import type { ClusterSettings } from './cluster-settings';
import { INSTANCE_HOST } from './instance-checks';
import { readInstanceTable } from './instance-table';
import { BALANCER_DIR_ENV, CLUSTER_DIR_ENV, carriesMark } from './marked-processes';

export type InstanceObservation = {
  index: number;
  pid: number;
  port: number;
  url: string;
  /** The recorded pid runs and is this cluster's (not a recycled pid). */
  running: boolean;
  portOpen: boolean;
};

export type BalancerObservation = {
  service: string;
  url: string;
  pid: number;
  running: boolean;
  /** The cluster the balancer sends traffic to right now, by its own word; null if none or not running. */
  upstreamClusterId: string | null;
};

/** A type alias rather than an interface so it fits `KindProvider.observe`'s record type. */
export type ClusterObservation = {
  instances: InstanceObservation[];
  balancer: BalancerObservation | null;
};

const PROBE_MS = 300;

/** A cheap look at the real processes and the service's balancer; changes nothing. */
export async function observeCluster(
  cluster: Resource<ClusterSpec>,
  settings: ClusterSettings,
): Promise<ClusterObservation> {
  const paths = clusterPaths(settings.dataDir, cluster.id);
  const [table, balancer] = await Promise.all([
    readInstanceTable(paths.instancesFile).catch(() => null),
    observeBalancer(cluster.spec.service, settings),
  ]);
  const instances = await Promise.all(
    (table?.instances ?? []).map(async (instance) => {
      const [running, open] = await Promise.all([
        carriesMark(instance.pid, CLUSTER_DIR_ENV, paths.clusterDir),
        portOpen(INSTANCE_HOST, instance.port, PROBE_MS),
      ]);
      return {
        index: instance.index,
        pid: instance.pid,
        port: instance.port,
        url: instance.url,
        running,
        portOpen: open.ok,
      };
    }),
  );
  return { instances, balancer };
}

async function observeBalancer(
  service: string,
  settings: ClusterSettings,
): Promise<BalancerObservation | null> {
  const paths = servicePaths(settings.dataDir, service);
  const record = await readBalancerRecord(paths.balancerFile).catch(() => null);
  if (!record) return null;
  const running = await carriesMark(record.pid, BALANCER_DIR_ENV, paths.serviceDir);
  const state = running ? await readBalancerState(adminUrl(record), PROBE_MS) : null;
  return {
    service,
    url: balancerUrl(record),
    pid: record.pid,
    running: running && state !== null,
    upstreamClusterId: state?.clusterId ?? null,
  };
}
