import { failed, type ServiceSpec, type StepContext, type StepOutcome, succeeded } from '@slipway/domain';
import { readBalancerRecord } from '../cluster/balancer-record';
import { servicePaths } from '../cluster/cluster-paths';
import { liveBalancer } from '../cluster/service-balancer';
import { balancerChecks } from './balancer-checks';
import { liveUpstreams } from './live-upstreams';
import type { ServiceSettings } from './service-settings';

/** Read-only: the balancer runs, answers, points at the live cluster and serves through its port. */
export async function verifyService(
  context: StepContext<ServiceSpec>,
  settings: ServiceSettings,
): Promise<StepOutcome> {
  const name = context.resource.name;
  const paths = servicePaths(settings.dataDir, name);
  const verifiedAt = new Date().toISOString();
  const record = await readBalancerRecord(paths.balancerFile).catch(() => null);
  if (!record) {
    return failed(
      'verification_failed',
      `service ${name} has no balancer recorded in ${paths.balancerFile}`,
      {
        checks: [],
        verifiedAt,
      },
    );
  }
  const { live } = await settings.clustersOf(name);
  const checks = await balancerChecks(
    name,
    record,
    await liveBalancer(record, paths, 2000),
    await liveUpstreams(settings.dataDir, live),
  );
  for (const check of checks) context.log(`check ${check.ok ? 'passed' : 'FAILED'}: ${check.message}`);
  const problems = checks.filter((check) => !check.ok).map((check) => check.message);
  if (problems.length > 0) return failed('verification_failed', problems.join('; '), { checks, verifiedAt });
  return succeeded({ checks, verifiedAt });
}
