import { failed, type ServiceSpec, type StepContext, type StepOutcome, succeeded } from '@slipway/domain';
import { balancerUrl } from '../cluster/balancer-record';
import { servicePaths } from '../cluster/cluster-paths';
import { messageOf } from '../cluster/cluster-settings';
import { liveBalancer } from '../cluster/service-balancer';
import { balancerChecks } from './balancer-checks';
import { liveUpstreams } from './live-upstreams';
import { repairBalancer } from './repair-balancer';
import type { ServiceSettings } from './service-settings';

/** Restarts a dead balancer on the service's port, pointed at the live cluster, and proves it serves. */
export async function repairService(
  context: StepContext<ServiceSpec>,
  settings: ServiceSettings,
): Promise<StepOutcome> {
  const name = context.resource.name;
  let repaired: Awaited<ReturnType<typeof repairBalancer>>;
  try {
    repaired = await repairBalancer(name, settings, context.log);
  } catch (error) {
    return failed('balancer_start_failed', messageOf(error));
  }
  const { record } = repaired;
  const { live } = await settings.clustersOf(name);
  const checks = await balancerChecks(
    name,
    record,
    await liveBalancer(record, servicePaths(settings.dataDir, name), 2000),
    await liveUpstreams(settings.dataDir, live),
  );
  for (const check of checks) context.log(`check ${check.ok ? 'passed' : 'FAILED'}: ${check.message}`);
  const problems = checks.filter((check) => !check.ok).map((check) => check.message);
  if (problems.length > 0) return failed('verification_failed', problems.join('; '), { checks });
  return succeeded({
    url: balancerUrl(record),
    port: record.port,
    repaired: repaired.changed,
    pid: record.pid,
    checks,
  });
}
