import { type ClusterSpec, failed, type StepContext, type StepOutcome, succeeded } from '@slipway/domain';
import type { CheckResult } from '../../verify/check-result';
import { httpAnswers } from '../../verify/http-answers';
import { runChecks } from '../../verify/run-checks';
import { readBalancerState, replaceUpstreams } from './balancer/balancer-client';
import {
  adminUrl,
  type BalancerRecord,
  balancerUrl,
  readBalancerRecord,
  sameUpstreams,
  writeBalancerRecord,
} from './balancer-record';
import { clusterPaths, servicePaths } from './cluster-paths';
import { type ClusterSettings, cancelledBecause, messageOf } from './cluster-settings';
import { checkInstances } from './instance-checks';
import { type InstanceTable, readInstanceTable } from './instance-table';
import { ensureBalancer, type RunningService } from './service-balancer';
import { withServiceLock } from './service-lock';

const ADMIN_TIMEOUT_MS = 2000;

/**
 * Points the service's balancer at this cluster's instances in one swap, then proves it by
 * sending requests through the balancer. Safe to re-run: a retry finds the balancer already
 * pointing here and only proves it again. When the proof fails, the previous set is put back, so
 * a failed promote leaves traffic where it was.
 */
export async function promoteCluster(
  context: StepContext<ClusterSpec>,
  settings: ClusterSettings,
): Promise<StepOutcome> {
  const { id, spec } = context.resource;
  const paths = clusterPaths(settings.dataDir, id);
  const service = servicePaths(settings.dataDir, spec.service);
  const table = await readInstanceTable(paths.instancesFile);
  if (!table || table.instances.length === 0) {
    return failed('not_launched', `cluster ${id} has no instances recorded in ${paths.instancesFile}`);
  }
  // Never swap traffic onto instances that are down or answer the wrong version.
  const health = await checkInstances(table, paths.clusterDir, { portMs: 2000, httpMs: 5000 });
  const problems = health.flatMap((instance) => (instance.problem ? [instance.problem] : []));
  if (problems.length > 0) {
    return failed(
      'instances_not_ready',
      `not promoting: ${problems.join('; ')}; the balancer was left as it was`,
      { checks: health.flatMap((instance) => instance.checks) },
    );
  }
  if (context.signal.aborted) {
    return failed('cancelled', `promote stopped (${cancelledBecause(context.signal)}) before the swap`);
  }
  const upstreams = table.instances.map((instance) => instance.url);

  return withServiceLock(service.serviceDir, async () => {
    // The balancer is the service's (provisioned with it); a dead one comes back on its own port.
    const owned = await readBalancerRecord(service.balancerFile);
    if (!owned) {
      return failed(
        'service_not_active',
        `service ${spec.service} has no balancer (nothing in ${service.balancerFile}): create the service and run it to "active" before promoting`,
      );
    }
    let running: RunningService;
    try {
      running = await ensureBalancer(spec.service, service, settings, {
        port: owned.port,
        portFrom: owned.portFrom,
        log: context.log,
      });
    } catch (error) {
      return failed('balancer_start_failed', messageOf(error));
    }
    const { state } = running;
    const already = state.clusterId === id && sameUpstreams(state.upstreams, upstreams);
    // On a retry the balancer already points here: what it served before is in the record.
    const previous =
      state.clusterId === id
        ? running.record.previous
        : { clusterId: state.clusterId, upstreams: state.upstreams };
    let record: BalancerRecord = { ...running.record, previous };
    await writeBalancerRecord(service.balancerFile, record);

    let generation = state.generation;
    if (already) {
      context.log(
        `the balancer of ${spec.service} already sends traffic to ${id} (generation ${generation})`,
      );
    } else {
      try {
        const swapped = await replaceUpstreams(
          adminUrl(record),
          record.token,
          { clusterId: id, upstreams },
          ADMIN_TIMEOUT_MS,
        );
        generation = swapped.generation;
      } catch (error) {
        return failed('balancer_swap_failed', messageOf(error));
      }
      context.log(
        `swapped ${spec.service} from ${state.clusterId ?? 'no cluster'} to ${id}: generation ${generation}, upstreams ${upstreams.join(' ')}`,
      );
    }
    record = { ...record, clusterId: id, upstreams, generation };
    await writeBalancerRecord(service.balancerFile, record);

    const checks = await proveServing(record, table);
    for (const check of checks.results)
      context.log(`check ${check.ok ? 'passed' : 'FAILED'}: ${check.message}`);
    if (!checks.ok) {
      const why = checks.results.filter((check) => !check.ok).map((check) => check.message);
      const restored = await restorePrevious(record, service.balancerFile, previous, context.log);
      return failed('verification_failed', `after the swap to ${id}, ${why.join('; ')}; ${restored}`, {
        checks: checks.results,
      });
    }
    return succeeded({
      service: spec.service,
      // What traffic is addressed to: the settings kind publishes it as the service's discovery.
      serviceUrl: balancerUrl(record),
      balancer: { url: balancerUrl(record), pid: record.pid, adminUrl: adminUrl(record) },
      upstreams,
      generation,
      checks: checks.results,
    });
  });
}

/**
 * The balancer says it serves this cluster, and requests through it (as many as there are
 * instances, twice, so round-robin reaches each) answer with the cluster's image version.
 */
async function proveServing(
  record: BalancerRecord,
  table: InstanceTable,
): Promise<{ ok: boolean; results: CheckResult[] }> {
  const target = `${balancerUrl(record)}${table.healthPath}`;
  const version = table.image.version;
  const state = await readBalancerState(adminUrl(record), ADMIN_TIMEOUT_MS);
  const pointed: CheckResult = {
    name: `balancer of ${record.service} serves cluster ${table.clusterId}`,
    ok: state?.clusterId === table.clusterId && sameUpstreams(state.upstreams, record.upstreams),
    message:
      state?.clusterId === table.clusterId
        ? `balancer pid ${state.pid} serves cluster ${table.clusterId} at generation ${state.generation}`
        : `expected the balancer to serve cluster ${table.clusterId}, found ${state ? `cluster ${state.clusterId ?? 'none'}` : 'no answer on its admin port'}`,
    durationMs: 0,
  };
  const requests = await runChecks(
    Array.from(
      { length: Math.max(2, table.instances.length * 2) },
      () => () =>
        httpAnswers({
          url: target,
          ...(version === null ? {} : { jsonField: { path: 'version', equals: version } }),
          timeoutMs: 5000,
        }),
    ),
  );
  const results = [pointed, ...requests.results];
  return { ok: pointed.ok && requests.ok, results };
}

async function restorePrevious(
  record: BalancerRecord,
  balancerFile: string,
  previous: BalancerRecord['previous'],
  log: (line: string) => void,
): Promise<string> {
  if (!previous) return 'there was no earlier upstream set to put back';
  try {
    const state = await replaceUpstreams(adminUrl(record), record.token, previous, ADMIN_TIMEOUT_MS);
    await writeBalancerRecord(balancerFile, {
      ...record,
      clusterId: state.clusterId,
      upstreams: state.upstreams,
      generation: state.generation,
    });
    log(`put the balancer back on ${previous.clusterId ?? 'no cluster'} (generation ${state.generation})`);
    return `traffic was put back on ${previous.clusterId ?? 'no cluster'}`;
  } catch (error) {
    return `putting traffic back on ${previous.clusterId ?? 'no cluster'} failed too: ${messageOf(error)}`;
  }
}

/** Undo for a cancelled promote: if the balancer points here, it goes back to what it served. */
export async function undoPromote(
  context: StepContext<ClusterSpec>,
  settings: ClusterSettings,
): Promise<void> {
  const { id, spec } = context.resource;
  const service = servicePaths(settings.dataDir, spec.service);
  await withServiceLock(service.serviceDir, async () => {
    const record = await readBalancerRecord(service.balancerFile);
    if (!record || record.clusterId !== id) return;
    const state = await readBalancerState(adminUrl(record), ADMIN_TIMEOUT_MS);
    if (state?.clusterId !== id) return;
    context.log(await restorePrevious(record, service.balancerFile, record.previous, context.log));
  });
}
