import type { ClusterSpec, Resource } from '@slipway/domain';
import { clusterPaths } from '../cluster/cluster-paths';
import { readInstanceTable } from '../cluster/instance-table';
import { CLUSTER_DIR_ENV, carriesMark } from '../cluster/marked-processes';

/** The live cluster's instances as its instance table records them. */
export interface RecordedLive {
  clusterId: string;
  upstreams: string[];
  healthPath: string;
  version: string | null;
  instances: { index: number; pid: number }[];
  clusterDir: string;
}

/**
 * A live cluster with no readable instances: the balancer cannot be pointed at it, and pointing it
 * at nothing would take the traffic away, so whoever gets this refuses and leaves the balancer be.
 */
export interface UnrecordedLive {
  clusterId: string;
  unrecorded: string;
}

export type LiveTarget = RecordedLive | UnrecordedLive;

export function isUnrecorded(live: LiveTarget | null): live is UnrecordedLive {
  return live !== null && 'unrecorded' in live;
}

/** Where the live cluster's instances listen, from its instance table; null when no cluster is live. */
export async function liveUpstreams(
  dataDir: string,
  live: Resource<ClusterSpec> | null,
): Promise<LiveTarget | null> {
  if (!live) return null;
  const paths = clusterPaths(dataDir, live.id);
  let table: Awaited<ReturnType<typeof readInstanceTable>>;
  try {
    table = await readInstanceTable(paths.instancesFile);
  } catch (error) {
    return {
      clusterId: live.id,
      unrecorded: `live cluster ${live.id} has no recorded instances: ${paths.instancesFile} cannot be read (${error instanceof Error ? error.message : String(error)})`,
    };
  }
  if (!table || table.instances.length === 0) {
    return {
      clusterId: live.id,
      unrecorded: `live cluster ${live.id} has no recorded instances in ${paths.instancesFile}`,
    };
  }
  return {
    clusterId: live.id,
    upstreams: table.instances.map((instance) => instance.url),
    healthPath: table.healthPath,
    version: table.image.version,
    instances: table.instances.map((instance) => ({ index: instance.index, pid: instance.pid })),
    clusterDir: paths.clusterDir,
  };
}

/** The indexes of the live cluster's recorded instances that are not running (after a reboot, a kill). */
export async function downInstances(live: RecordedLive): Promise<number[]> {
  const down: number[] = [];
  for (const instance of live.instances) {
    if (!(await carriesMark(instance.pid, CLUSTER_DIR_ENV, live.clusterDir))) down.push(instance.index);
  }
  return down;
}
