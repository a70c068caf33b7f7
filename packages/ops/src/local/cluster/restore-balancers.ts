import type { ClusterSpec, Resource } from '@slipway/domain';
import { replaceUpstreams } from './balancer/balancer-client';
import { adminUrl, sameUpstreams, writeBalancerRecord } from './balancer-record';
import { clusterPaths, servicePaths } from './cluster-paths';
import { type ClusterSettings, messageOf } from './cluster-settings';
import { readInstanceTable } from './instance-table';
import { CLUSTER_DIR_ENV, carriesMark } from './marked-processes';
import { ensureBalancer } from './service-balancer';
import { withServiceLock } from './service-lock';

export interface BalancerRestore {
  service: string;
  clusterId: string;
  ok: boolean;
  /** What was done ("already pointed", "started pid 123 …") or what went wrong. */
  message: string;
}

/**
 * Re-attaches each live cluster's service to its balancer at API start: starts the balancer if it
 * is not running (after a reboot) and points it at the cluster's recorded instances if it points
 * elsewhere. Each service is handled on its own and a failure is reported, never thrown, so one
 * broken service does not keep the API from starting. It does not restart dead instances: that is
 * a launch, which only a run may do.
 */
export async function restoreBalancers(
  live: Resource<ClusterSpec>[],
  settings: ClusterSettings,
): Promise<BalancerRestore[]> {
  const results: BalancerRestore[] = [];
  for (const cluster of live) {
    const service = cluster.spec.service;
    const lines: string[] = [];
    try {
      const paths = clusterPaths(settings.dataDir, cluster.id);
      const table = await readInstanceTable(paths.instancesFile);
      if (!table || table.instances.length === 0) {
        results.push({
          service,
          clusterId: cluster.id,
          ok: false,
          message: `no instances recorded for live cluster ${cluster.id} in ${paths.instancesFile}`,
        });
        continue;
      }
      const upstreams = table.instances.map((instance) => instance.url);
      const serviceFiles = servicePaths(settings.dataDir, service);
      await withServiceLock(serviceFiles.serviceDir, async () => {
        const running = await ensureBalancer(service, serviceFiles, settings, {
          requestedPort: cluster.spec.provider?.balancerPort,
          initial: { clusterId: cluster.id, upstreams },
          log: (line) => lines.push(line),
        });
        let record = running.record;
        if (running.state.clusterId !== cluster.id || !sameUpstreams(running.state.upstreams, upstreams)) {
          const state = await replaceUpstreams(
            adminUrl(record),
            record.token,
            { clusterId: cluster.id, upstreams },
            2000,
          );
          lines.push(`pointed the balancer at ${cluster.id} (generation ${state.generation})`);
          record = { ...record, clusterId: cluster.id, upstreams, generation: state.generation };
        } else {
          lines.push(`the balancer (pid ${record.pid}) already points at ${cluster.id}`);
        }
        await writeBalancerRecord(serviceFiles.balancerFile, record);
      });
      // The balancer is back, but after a reboot the instances are not: say so rather than report a
      // service that answers 502.
      const down: number[] = [];
      for (const instance of table.instances) {
        if (!(await carriesMark(instance.pid, CLUSTER_DIR_ENV, paths.clusterDir))) down.push(instance.index);
      }
      if (down.length > 0) {
        lines.push(
          `instance(s) ${down.join(', ')} of ${cluster.id} are not running: the service cannot answer until the cluster is relaunched`,
        );
      }
      results.push({ service, clusterId: cluster.id, ok: down.length === 0, message: lines.join('; ') });
    } catch (error) {
      results.push({
        service,
        clusterId: cluster.id,
        ok: false,
        message: [...lines, messageOf(error)].join('; '),
      });
    }
  }
  return results;
}
