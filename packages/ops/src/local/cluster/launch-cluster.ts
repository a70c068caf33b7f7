import { mkdir } from 'node:fs/promises';
import { type ClusterSpec, failed, type StepContext, type StepOutcome, succeeded } from '@slipway/domain';
import { portOpen } from '../../verify/port-open';
import { processHasEnv } from '../../verify/process-has-env';
import { processRunning } from '../../verify/process-running';
import { runChecks } from '../../verify/run-checks';
import { baseEnv } from '../base-env';
import { type ClusterImage, resolveImage } from './cluster-image';
import { type ClusterPaths, clusterPaths } from './cluster-paths';
import { stopClusterProcesses, waitForInstances } from './cluster-processes';
import { type ClusterSettings, cancelledBecause, messageOf } from './cluster-settings';
import { freePort } from './free-port';
import { INSTANCE_HOST } from './instance-checks';
import { instanceScript } from './instance-command';
import { type InstanceRecord, type InstanceTable, writeInstanceTable } from './instance-table';
import { CLUSTER_DIR_ENV } from './marked-processes';
import { spawnDetached } from './spawn-detached';

/**
 * Starts `size` instances of the image, each detached in its own process group on its own port.
 *
 * Launch always starts fresh: whatever an earlier attempt of this cluster left running (a crash
 * mid-launch, a relaunch from `failed`) is stopped first, found by the cluster mark in its
 * environment, recorded or not. Adopting leftovers would save a second at best, and a launching
 * cluster serves no traffic, so replacing them costs nothing and leaves exactly `size`.
 */
export async function launchCluster(
  context: StepContext<ClusterSpec>,
  settings: ClusterSettings,
): Promise<StepOutcome> {
  const { id, spec } = context.resource;
  const paths = clusterPaths(settings.dataDir, id);
  const lookup = await resolveImage(settings.getResource, spec.image);
  if (!lookup.ok) return failed('image_not_ready', lookup.message);
  const { image } = lookup;

  const leftovers = await stopClusterProcesses(paths, settings.killGraceMs);
  if (leftovers.stopped.length > 0) {
    const groups = new Set(leftovers.stopped.map((process) => process.pgid));
    context.log(
      `stopped ${groups.size} process group(s) left by an earlier launch: pids ${leftovers.stopped.map((process) => process.pid).join(', ')}`,
    );
  }
  if (leftovers.remaining.length > 0) {
    return failed(
      'launch_failed',
      `could not stop process groups ${leftovers.remaining.join(', ')} left by an earlier launch of this cluster`,
    );
  }
  if (context.signal.aborted) return cancelled(context, 'before starting instances');

  await mkdir(paths.clusterDir, { recursive: true });
  const table: Omit<InstanceTable, 'updatedAt'> = {
    clusterId: id,
    service: spec.service,
    image,
    healthPath: spec.provider?.healthPath ?? '/',
    runId: context.run.id,
    idempotencyToken: context.idempotencyToken,
    attempt: context.attempt,
    complete: false,
    instances: [],
  };
  await writeInstanceTable(paths.instancesFile, table);

  for (let index = 0; index < spec.size; index += 1) {
    let instance: InstanceRecord;
    try {
      instance = await startInstance(index, image, spec.service, id, paths, context.environment ?? {});
    } catch (error) {
      await stopClusterProcesses(paths, settings.killGraceMs);
      await writeInstanceTable(paths.instancesFile, { ...table, instances: [] });
      return failed(
        'launch_failed',
        `could not start instance ${index} with ${JSON.stringify(image.start)} in ${image.path}: ${messageOf(error)}`,
        { instances: [] },
      );
    }
    // Recorded as soon as it exists, so destroy and observe see it even if we die right here.
    table.instances.push(instance);
    await writeInstanceTable(paths.instancesFile, table);
    context.log(
      `started instance ${index}: pid ${instance.pid}, port ${instance.port}, log ${instance.logFile}`,
    );
  }

  const started = await waitForInstances(table.instances, paths, settings.startTimeoutMs, context.signal);
  if (!started.ok) {
    await stopClusterProcesses(paths, settings.killGraceMs);
    await writeInstanceTable(paths.instancesFile, { ...table, instances: [] });
    if (started.aborted) return cancelled(context, 'while instances were starting; they were stopped');
    for (const problem of started.problems) context.log(problem);
    return failed(
      'launch_failed',
      `${started.problems.join('; ')}; every instance of the cluster was stopped`,
      { instances: [] },
    );
  }

  const report = await runChecks(
    table.instances.flatMap((instance) => [
      () => processRunning(instance.pid),
      () => processHasEnv(instance.pid, CLUSTER_DIR_ENV, paths.clusterDir),
      () => portOpen(INSTANCE_HOST, instance.port, 2000),
    ]),
  );
  for (const check of report.results)
    context.log(`check ${check.ok ? 'passed' : 'FAILED'}: ${check.message}`);
  if (!report.ok) {
    await stopClusterProcesses(paths, settings.killGraceMs);
    await writeInstanceTable(paths.instancesFile, { ...table, instances: [] });
    const problems = report.results.filter((check) => !check.ok).map((check) => check.message);
    return failed('launch_failed', `instances started but ${problems.join('; ')}`, {
      checks: report.results,
      instances: [],
    });
  }
  await writeInstanceTable(paths.instancesFile, { ...table, complete: true });
  return succeeded({
    instances: table.instances.map(({ index, pid, port, url }) => ({ index, pid, port, url })),
    image: { id: image.id, version: image.version },
    checks: report.results,
    // Kept on the cluster's status (a later step's hook outputs replace `hooks`, this stays).
    ...(context.hooked && Object.keys(context.hooked).length > 0 ? { pinned: context.hooked } : {}),
  });
}

async function startInstance(
  index: number,
  image: ClusterImage,
  service: string,
  clusterId: string,
  paths: ClusterPaths,
  settings: Readonly<Record<string, string>>,
): Promise<InstanceRecord> {
  const port = await freePort();
  // The pinned settings first: Slipway's own variables (PORT, the mark) are not theirs to change.
  const env = baseEnv({
    ...settings,
    PORT: String(port),
    SLIPWAY_CLUSTER_ID: clusterId,
    SLIPWAY_INSTANCE: String(index),
    SLIPWAY_SERVICE: service,
    ...(image.version === null ? {} : { SLIPWAY_IMAGE_VERSION: image.version }),
    [CLUSTER_DIR_ENV]: paths.clusterDir,
  });
  const logFile = paths.logFile(index);
  const pid = await spawnDetached({
    command: '/bin/sh',
    args: ['-c', instanceScript(image.start)],
    cwd: image.path,
    env,
    logFile,
  });
  return {
    index,
    pid,
    pgid: pid,
    port,
    url: `http://${INSTANCE_HOST}:${port}`,
    startedAt: new Date().toISOString(),
    logFile,
  };
}

function cancelled(context: StepContext<ClusterSpec>, when: string): StepOutcome {
  return failed('cancelled', `launch stopped (${cancelledBecause(context.signal)}) ${when}`, {
    instances: [],
  });
}
