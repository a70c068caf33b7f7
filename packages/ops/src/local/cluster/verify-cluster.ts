import { type ClusterSpec, failed, type StepContext, type StepOutcome, succeeded } from '@slipway/domain';
import { clusterPaths } from './cluster-paths';
import type { ClusterSettings } from './cluster-settings';
import { checkInstances } from './instance-checks';
import { readInstanceTable } from './instance-table';

/**
 * Checks every recorded instance against the real thing. Runs when a cluster enters `verifying`
 * and again on demand on a live or standby cluster ("still fit to swap back to?"); it changes
 * nothing either way.
 */
export async function verifyCluster(
  context: StepContext<ClusterSpec>,
  settings: ClusterSettings,
): Promise<StepOutcome> {
  const paths = clusterPaths(settings.dataDir, context.resource.id);
  const table = await readInstanceTable(paths.instancesFile);
  const verifiedAt = new Date().toISOString();
  if (!table || table.instances.length === 0) {
    return failed(
      'verification_failed',
      `no instances are recorded for cluster ${context.resource.id} in ${paths.instancesFile}; launch it first`,
      { checks: [], instances: [], verifiedAt },
    );
  }
  const health = await checkInstances(table, paths.clusterDir, { portMs: 2000, httpMs: 5000 });
  const checks = health.flatMap((instance) => instance.checks);
  for (const check of checks) context.log(`check ${check.ok ? 'passed' : 'FAILED'}: ${check.message}`);
  const instances = health.map(({ index, pid, port, url, healthy }) => ({ index, pid, port, url, healthy }));
  const problems = health.flatMap((instance) => (instance.problem ? [instance.problem] : []));
  const expected = table.instances.length;
  // Fewer instances recorded than asked for means a launch was cut short: not a cluster to trust.
  if (expected !== context.resource.spec.size) {
    problems.push(`${expected} instance(s) recorded, the spec asks for ${context.resource.spec.size}`);
  }
  if (problems.length > 0) {
    const unhealthy = health.filter((instance) => !instance.healthy).length;
    return failed(
      'verification_failed',
      `${unhealthy} of ${health.length} instance(s) failed verification: ${problems.join('; ')}`,
      { checks, instances, verifiedAt },
    );
  }
  const version = table.image.version;
  context.log(
    `all ${health.length} instance(s) answer ${table.healthPath}${version === null ? '' : ` with version ${version}`}`,
  );
  return succeeded({ checks, instances, verifiedAt });
}
