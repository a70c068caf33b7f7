import type { CheckResult } from '../../verify/check-result';
import { httpAnswers } from '../../verify/http-answers';
import { portOpen } from '../../verify/port-open';
import { processHasEnv } from '../../verify/process-has-env';
import { processRunning } from '../../verify/process-running';
import { runChecks } from '../../verify/run-checks';
import type { InstanceRecord, InstanceTable } from './instance-table';
import { CLUSTER_DIR_ENV } from './marked-processes';

export const INSTANCE_HOST = '127.0.0.1';

export interface InstanceHealth {
  index: number;
  pid: number;
  port: number;
  url: string;
  healthy: boolean;
  /** Empty when healthy; otherwise one line naming the instance and everything wrong with it. */
  problem: string | null;
  checks: CheckResult[];
}

export interface CheckTimeouts {
  portMs: number;
  httpMs: number;
}

/**
 * The proof that an instance serves: its process runs and is ours (not a recycled pid), its port
 * accepts connections, and it answers the health path with the image's version.
 */
export async function checkInstance(
  instance: InstanceRecord,
  table: InstanceTable,
  clusterDir: string,
  timeouts: CheckTimeouts,
): Promise<InstanceHealth> {
  const version = table.image.version;
  const report = await runChecks([
    () => processRunning(instance.pid),
    () => processHasEnv(instance.pid, CLUSTER_DIR_ENV, clusterDir),
    () => portOpen(INSTANCE_HOST, instance.port, timeouts.portMs),
    () =>
      httpAnswers({
        url: `${instance.url}${table.healthPath}`,
        ...(version === null ? {} : { jsonField: { path: 'version', equals: version } }),
        timeoutMs: timeouts.httpMs,
      }),
  ]);
  const [running, ours, ...rest] = report.results;
  // A dead process also fails the ownership check; saying so twice would bury the point.
  const failures = [running, ...(running?.ok ? [ours] : []), ...rest].filter(
    (check): check is CheckResult => check !== undefined && !check.ok,
  );
  const label = `instance ${instance.index} (pid ${instance.pid}, port ${instance.port})`;
  return {
    index: instance.index,
    pid: instance.pid,
    port: instance.port,
    url: instance.url,
    healthy: report.ok,
    problem: report.ok ? null : `${label}: ${failures.map((check) => check.message).join('; ')}`,
    checks: report.results.map((check) => ({ ...check, name: `instance ${instance.index}: ${check.name}` })),
  };
}

export function checkInstances(
  table: InstanceTable,
  clusterDir: string,
  timeouts: CheckTimeouts,
): Promise<InstanceHealth[]> {
  return Promise.all(table.instances.map((instance) => checkInstance(instance, table, clusterDir, timeouts)));
}
