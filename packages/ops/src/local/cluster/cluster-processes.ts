import { portOpen } from '../../verify/port-open';
import type { ClusterPaths } from './cluster-paths';
import { INSTANCE_HOST } from './instance-checks';
import type { InstanceRecord } from './instance-table';
import { logTail } from './log-tail';
import {
  CLUSTER_DIR_ENV,
  carriesMark,
  findMarkedProcesses,
  type MarkedProcess,
  processStat,
} from './marked-processes';
import { type StopReport, stopProcessGroups } from './stop-process-groups';

/** Every process of this cluster that still runs, found by its mark whether recorded or not. */
export function clusterProcesses(paths: ClusterPaths): Promise<MarkedProcess[]> {
  return findMarkedProcesses(CLUSTER_DIR_ENV, (value) => value === paths.clusterDir);
}

/**
 * Stops everything this cluster runs. Found by mark rather than from instances.json alone, so an
 * instance spawned by an attempt that died before recording it is stopped too.
 */
export async function stopClusterProcesses(
  paths: ClusterPaths,
  graceMs: number,
): Promise<{ stopped: MarkedProcess[] } & StopReport> {
  const running = await clusterProcesses(paths);
  const report = await stopProcessGroups(
    running.map((process) => process.pgid),
    graceMs,
  );
  return { stopped: running, ...report };
}

export type StartupResult = { ok: true } | { ok: false; aborted: boolean; problems: string[] };

/**
 * Waits until every instance listens on its port, failing fast when one dies (its log says why)
 * and giving up at the deadline or on abort.
 */
export async function waitForInstances(
  instances: InstanceRecord[],
  paths: ClusterPaths,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<StartupResult> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(instances);
  for (;;) {
    if (signal.aborted) return { ok: false, aborted: true, problems: [] };
    const problems: string[] = [];
    await Promise.all(
      [...pending].map(async (instance) => {
        const label = `instance ${instance.index} (pid ${instance.pid}, port ${instance.port})`;
        if (!(await carriesMark(instance.pid, CLUSTER_DIR_ENV, paths.clusterDir))) {
          // While the shell execs the app, /proc shows no environment for a moment: only a
          // process that is gone has exited.
          if (await stillRuns(instance.pid)) return;
          problems.push(`${label} exited during start; its log ends: ${await logTail(instance.logFile)}`);
        } else if ((await portOpen(INSTANCE_HOST, instance.port, 500)).ok) {
          pending.delete(instance);
        }
      }),
    );
    if (problems.length > 0) return { ok: false, aborted: false, problems };
    if (pending.size === 0) return { ok: true };
    if (Date.now() >= deadline) {
      const late = await Promise.all(
        [...pending].map(
          async (instance) =>
            `instance ${instance.index} (pid ${instance.pid}) did not open port ${instance.port} within ${timeoutMs}ms; its log ends: ${await logTail(instance.logFile)}`,
        ),
      );
      return { ok: false, aborted: false, problems: late };
    }
    await sleep(50, signal);
  }
}

async function stillRuns(pid: number): Promise<boolean> {
  const stat = await processStat(pid);
  return stat !== null && stat.state !== 'Z' && stat.state !== 'X';
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
