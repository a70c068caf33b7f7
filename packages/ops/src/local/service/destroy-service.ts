import { rm } from 'node:fs/promises';
import { failed, type ServiceSpec, type StepContext, type StepOutcome, succeeded } from '@slipway/domain';
import { portClosed } from '../../verify/port-closed';
import { balancerUrl, readBalancerRecord } from '../cluster/balancer-record';
import { servicePaths } from '../cluster/cluster-paths';
import { messageOf } from '../cluster/cluster-settings';
import { stopServiceBalancers } from '../cluster/service-balancer';
import { withServiceLock } from '../cluster/service-lock';
import type { ServiceSettings } from './service-settings';

/**
 * Stops the balancer (which is what stops the service's traffic, also for a forced destroy with a
 * live cluster), proves its port closed, and removes the service's files, so its port is not
 * remembered. Idempotent: a service whose balancer is already gone is fine.
 */
export async function destroyService(
  context: StepContext<ServiceSpec>,
  settings: ServiceSettings,
): Promise<StepOutcome> {
  const name = context.resource.name;
  const paths = servicePaths(settings.dataDir, name);
  return withServiceLock(paths.serviceDir, async () => {
    const record = await readBalancerRecord(paths.balancerFile).catch(() => null);
    let stopped: number[];
    try {
      stopped = await stopServiceBalancers(paths, settings.killGraceMs);
    } catch (error) {
      return failed('destroy_failed', messageOf(error));
    }
    for (const pid of stopped) context.log(`stopped the balancer of ${name}, pid ${pid}`);
    const checks = [];
    if (record) {
      const closed = await portClosed(new URL(balancerUrl(record)).hostname, record.port, 2000);
      context.log(`check ${closed.ok ? 'passed' : 'FAILED'}: ${closed.message}`);
      checks.push(closed);
      if (!closed.ok)
        return failed('destroy_failed', `stopped the balancer of ${name} but ${closed.message}`, { checks });
    }
    await rm(paths.serviceDir, { recursive: true, force: true, maxRetries: 3 });
    return succeeded({ stopped, url: null, checks });
  });
}
