import { portClosed } from '../../verify/port-closed';
import { readBalancerRecord } from './balancer-record';
import { servicePaths } from './cluster-paths';
import type { ClusterSettings } from './cluster-settings';
import { stopServiceBalancers } from './service-balancer';
import { withServiceLock } from './service-lock';

/**
 * Stops a service's balancer for good (the service is retired, or a test or bench tears down). No
 * step does this on its own: destroying a cluster leaves the balancer up to hold the service's
 * port. balancer.json stays, so the service gets the same port back if it ever returns.
 */
export async function stopBalancer(
  service: string,
  settings: ClusterSettings,
): Promise<{ stopped: number[] }> {
  const paths = servicePaths(settings.dataDir, service);
  return withServiceLock(paths.serviceDir, async () => {
    const record = await readBalancerRecord(paths.balancerFile).catch(() => null);
    const stopped = await stopServiceBalancers(paths, settings.killGraceMs);
    if (record && stopped.length > 0) {
      const closed = await portClosed(
        record.host === '0.0.0.0' ? '127.0.0.1' : record.host,
        record.port,
        2000,
      );
      if (!closed.ok) throw new Error(`stopped the balancer of ${service} but ${closed.message}`);
    }
    return { stopped };
  });
}
