import type { ClusterSpec, Resource } from '@slipway/domain';
import { clusterPaths } from '../cluster/cluster-paths';
import { readInstanceTable } from '../cluster/instance-table';

/** Where the live cluster's instances listen, from its instance table; null when none are recorded. */
export async function liveUpstreams(
  dataDir: string,
  live: Resource<ClusterSpec> | null,
): Promise<{ clusterId: string; upstreams: string[]; healthPath: string; version: string | null } | null> {
  if (!live) return null;
  const table = await readInstanceTable(clusterPaths(dataDir, live.id).instancesFile).catch(() => null);
  if (!table || table.instances.length === 0) return null;
  return {
    clusterId: live.id,
    upstreams: table.instances.map((instance) => instance.url),
    healthPath: table.healthPath,
    version: table.image.version,
  };
}
