import { rm } from 'node:fs/promises';
import { type ClusterSpec, failed, type StepContext, type StepOutcome, succeeded } from '@slipway/domain';
import { type CheckResult, timedCheck } from '../../verify/check-result';
import { pathAbsent } from '../../verify/path-absent';
import { portClosed } from '../../verify/port-closed';
import { processStopped } from '../../verify/process-stopped';
import { runChecks } from '../../verify/run-checks';
import { replaceUpstreams } from './balancer/balancer-client';
import { adminUrl, readBalancerRecord, writeBalancerRecord } from './balancer-record';
import { type ClusterPaths, clusterPaths, servicePaths } from './cluster-paths';
import { clusterProcesses, stopClusterProcesses } from './cluster-processes';
import { type ClusterSettings, messageOf } from './cluster-settings';
import { INSTANCE_HOST } from './instance-checks';
import { readInstanceTable } from './instance-table';
import { liveBalancer } from './service-balancer';
import { withServiceLock } from './service-lock';

/**
 * Stops every instance and removes the cluster's files. A balancer still pointing here (a forced
 * destroy of the live cluster) is emptied first, so it answers 503 instead of forwarding to dead
 * ports. The balancer itself keeps running: it holds the service's port, which the service's next
 * cluster will want, and costs next to nothing idle. Idempotent: a cluster already gone is fine.
 */
export async function destroyCluster(
  context: StepContext<ClusterSpec>,
  settings: ClusterSettings,
): Promise<StepOutcome> {
  const { id, spec } = context.resource;
  const paths = clusterPaths(settings.dataDir, id);
  try {
    await detachFromBalancer(id, spec.service, settings, context.log);
  } catch (error) {
    return failed('balancer_swap_failed', `could not take ${id} out of the balancer: ${messageOf(error)}`);
  }
  return removeCluster(context, paths, settings);
}

/** Also the undo of a cancelled launch: whatever was started goes, and so do its files. */
export async function removeCluster(
  context: StepContext<ClusterSpec>,
  paths: ClusterPaths,
  settings: ClusterSettings,
): Promise<StepOutcome> {
  const table = await readInstanceTable(paths.instancesFile).catch(() => null);
  const stop = await stopClusterProcesses(paths, settings.killGraceMs);
  for (const process of stop.stopped)
    context.log(`stopped pid ${process.pid} (process group ${process.pgid})`);
  if (stop.killed.length > 0) {
    context.log(`process group(s) ${stop.killed.join(', ')} ignored SIGTERM and were killed`);
  }
  const stoppedPids = new Set(stop.stopped.map((process) => process.pgid));
  const instances = table?.instances ?? [];
  for (const instance of instances) {
    if (!stoppedPids.has(instance.pgid))
      context.log(`instance ${instance.index} (pid ${instance.pid}) was not running`);
  }
  try {
    await rm(paths.clusterDir, { recursive: true, force: true, maxRetries: 3 });
  } catch (error) {
    return failed('destroy_failed', `could not remove ${paths.clusterDir}: ${messageOf(error)}`);
  }

  const report = await runChecks([
    () => noneLeft(paths),
    ...stop.stopped.map((process) => () => processStopped(process.pid)),
    // Only ports of instances we stopped just now: a port freed long ago may belong to someone else.
    ...instances
      .filter((instance) => stoppedPids.has(instance.pgid))
      .map((instance) => () => portClosed(INSTANCE_HOST, instance.port, 2000)),
    () => pathAbsent(paths.clusterDir),
  ]);
  for (const check of report.results)
    context.log(`check ${check.ok ? 'passed' : 'FAILED'}: ${check.message}`);
  if (!report.ok) {
    const problems = report.results.filter((check) => !check.ok).map((check) => check.message);
    return failed('verification_failed', `stopping cluster ${context.resource.id}: ${problems.join('; ')}`, {
      checks: report.results,
    });
  }
  const stopped = instances
    .filter((instance) => stoppedPids.has(instance.pgid))
    .map(({ index, pid, port }) => ({ index, pid, port }));
  // `instances: []` overwrites the launch's list in the resource status, which would otherwise dangle.
  return succeeded({ stopped, instances: [], checks: report.results });
}

function noneLeft(paths: ClusterPaths): Promise<CheckResult> {
  return timedCheck(`no process of ${paths.clusterDir} runs`, async () => {
    const left = await clusterProcesses(paths);
    return left.length === 0
      ? { ok: true, message: `no process carries the mark of ${paths.clusterDir}` }
      : {
          ok: false,
          message: `expected no process of the cluster, found pid(s) ${left.map((process) => process.pid).join(', ')}`,
        };
  });
}

async function detachFromBalancer(
  clusterId: string,
  service: string,
  settings: ClusterSettings,
  log: (line: string) => void,
): Promise<void> {
  const paths = servicePaths(settings.dataDir, service);
  await withServiceLock(paths.serviceDir, async () => {
    const record = await readBalancerRecord(paths.balancerFile);
    if (!record) return;
    const pointsHere = record.clusterId === clusterId;
    const previousHere = record.previous?.clusterId === clusterId;
    if (!pointsHere && !previousHere) return;
    let next = { ...record, previous: previousHere ? null : record.previous };
    const state = await liveBalancer(record, paths);
    if (state?.clusterId === clusterId) {
      const emptied = await replaceUpstreams(
        adminUrl(record),
        record.token,
        { clusterId: null, upstreams: [] },
        2000,
      );
      log(`the balancer of ${service} pointed at ${clusterId}; it now has no upstream and answers 503`);
      next = { ...next, clusterId: null, upstreams: [], generation: emptied.generation };
    } else if (pointsHere) {
      // Not running now: make sure it does not come back pointing at instances about to be stopped.
      next = { ...next, clusterId: null, upstreams: [] };
    }
    await writeBalancerRecord(paths.balancerFile, next);
  });
}
