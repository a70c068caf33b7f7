import { failed, type ServiceSpec, type StepContext, type StepOutcome, succeeded } from '@slipway/domain';
import { portOpen } from '../../verify/port-open';
import { balancerUrl, readBalancerRecord } from '../cluster/balancer-record';
import { servicePaths } from '../cluster/cluster-paths';
import { cancelledBecause, messageOf } from '../cluster/cluster-settings';
import { freePort } from '../cluster/free-port';
import { ensureBalancer } from '../cluster/service-balancer';
import { withServiceLock } from '../cluster/service-lock';
import type { ServiceSettings } from './service-settings';

/**
 * Starts the service's balancer on the port its spec names (or, when it names none, the one picked
 * before or a free one) and proves it listens. A port that fails to bind fails the step and leaves
 * no record of it, so a PATCH to another port and a new run start clean. Safe to re-run: a balancer
 * already up on that port is kept, with whatever it serves.
 */
export async function provisionService(
  context: StepContext<ServiceSpec>,
  settings: ServiceSettings,
): Promise<StepOutcome> {
  const name = context.resource.name;
  const paths = servicePaths(settings.dataDir, name);
  return withServiceLock(paths.serviceDir, async () => {
    const recorded = await readBalancerRecord(paths.balancerFile).catch(() => null);
    const named = context.resource.spec.provider?.port;
    const port = named ?? recorded?.port ?? (await freePort());
    let running: Awaited<ReturnType<typeof ensureBalancer>>;
    try {
      running = await ensureBalancer(name, paths, settings, {
        port,
        portFrom: named === undefined ? 'picked' : 'spec',
        log: context.log,
        signal: context.signal,
      });
    } catch (error) {
      if (context.signal.aborted) {
        return failed(
          'cancelled',
          `provisioning stopped (${cancelledBecause(context.signal)}): ${messageOf(error)}`,
        );
      }
      return failed('balancer_start_failed', `port ${port}: ${messageOf(error)}`);
    }
    const url = balancerUrl(running.record);
    const listens = await portOpen(new URL(url).hostname, port, 2000);
    context.log(`check ${listens.ok ? 'passed' : 'FAILED'}: ${listens.message}`);
    if (!listens.ok) return failed('balancer_start_failed', listens.message, { checks: [listens] });
    return succeeded({ url, port, checks: [listens] });
  });
}
