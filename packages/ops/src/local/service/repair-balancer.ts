import { replaceUpstreams } from '../cluster/balancer/balancer-client';
import {
  adminUrl,
  type BalancerRecord,
  readBalancerRecord,
  sameUpstreams,
  writeBalancerRecord,
} from '../cluster/balancer-record';
import { servicePaths } from '../cluster/cluster-paths';
import { ensureBalancer, liveBalancer } from '../cluster/service-balancer';
import { withServiceLock } from '../cluster/service-lock';
import { isUnrecorded, liveUpstreams } from './live-upstreams';
import type { ServiceSettings } from './service-settings';

/**
 * Brings the service's balancer in line with the store: running on its recorded port (started
 * again after a kill or a reboot) and pointed at the live cluster's instances, or at nothing when
 * no cluster is live. Throws when the service has no balancer recorded (never provisioned), it
 * cannot be started, or the live cluster has no readable instances (the balancer is then untouched). Answers the record and whether anything had to change.
 */
export async function repairBalancer(
  service: string,
  settings: ServiceSettings,
  log: (line: string) => void,
): Promise<{ record: BalancerRecord; changed: boolean }> {
  const paths = servicePaths(settings.dataDir, service);
  const { live } = await settings.clustersOf(service);
  const target = await liveUpstreams(settings.dataDir, live);
  // Emptying the balancer of a live cluster whose instances cannot be read would take its traffic
  // away and call that a repair: refuse and leave the balancer serving what it serves.
  if (isUnrecorded(target))
    throw new Error(`${target.unrecorded}; the balancer of ${service} was left as it is`);
  const wanted = target
    ? { clusterId: target.clusterId, upstreams: target.upstreams }
    : { clusterId: null, upstreams: [] as string[] };
  return withServiceLock(paths.serviceDir, async () => {
    const recorded = await readBalancerRecord(paths.balancerFile);
    if (!recorded)
      throw new Error(`service ${service} has no balancer recorded in ${paths.balancerFile}; provision it`);
    const before = await liveBalancer(recorded, paths);
    const running = await ensureBalancer(service, paths, settings, {
      port: recorded.port,
      portFrom: recorded.portFrom,
      initial: { clusterId: wanted.clusterId, upstreams: wanted.upstreams },
      log,
    });
    let record = running.record;
    let changed = before === null;
    if (
      running.state.clusterId !== wanted.clusterId ||
      !sameUpstreams(running.state.upstreams, wanted.upstreams)
    ) {
      const state = await replaceUpstreams(adminUrl(record), record.token, wanted, 2000);
      log(
        `pointed the balancer of ${service} at ${wanted.clusterId ?? 'no cluster'} (generation ${state.generation})`,
      );
      record = { ...record, ...wanted, generation: state.generation };
      changed = true;
    } else if (!changed) {
      log(
        `the balancer of ${service} (pid ${record.pid}) runs and points at ${wanted.clusterId ?? 'no cluster'}`,
      );
    }
    await writeBalancerRecord(paths.balancerFile, record);
    return { record, changed };
  });
}
