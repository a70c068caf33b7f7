import { type ClusterSpec, failed, type StepContext, type StepOutcome, succeeded } from '@slipway/domain';
import type { CheckResult } from '../../verify/check-result';
import { adminUrl, balancerUrl, readBalancerRecord } from './balancer-record';
import { clusterPaths, servicePaths } from './cluster-paths';
import type { ClusterSettings } from './cluster-settings';
import { checkInstances } from './instance-checks';
import { readInstanceTable } from './instance-table';
import { liveBalancer } from './service-balancer';

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
  // A live cluster is only as good as the front door in front of it.
  if (context.resource.state === 'live') {
    const balancer = await balancerCheck(context.resource.spec.service, context.resource.id, settings);
    checks.push(balancer);
    context.log(`check ${balancer.ok ? 'passed' : 'FAILED'}: ${balancer.message}`);
    if (!balancer.ok) problems.push(balancer.message);
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

async function balancerCheck(
  service: string,
  clusterId: string,
  settings: ClusterSettings,
): Promise<CheckResult> {
  const name = `balancer of ${service} serves cluster ${clusterId}`;
  const paths = servicePaths(settings.dataDir, service);
  const record = await readBalancerRecord(paths.balancerFile).catch(() => null);
  if (!record) {
    return { name, ok: false, message: `service ${service} has no balancer recorded`, durationMs: 0 };
  }
  const where = `the balancer of ${service} (pid ${record.pid}, ${balancerUrl(record)})`;
  const state = await liveBalancer(record, paths, 2000);
  if (!state) {
    return {
      name,
      ok: false,
      message: `${where} is not running or does not answer on admin port ${new URL(adminUrl(record)).port}; repair the service (POST /v1/services/{id}/repair)`,
      durationMs: 0,
    };
  }
  return state.clusterId === clusterId
    ? { name, ok: true, message: `${where} serves cluster ${clusterId}`, durationMs: 0 }
    : {
        name,
        ok: false,
        message: `${where} serves ${state.clusterId ?? 'no cluster'}, not ${clusterId}`,
        durationMs: 0,
      };
}
