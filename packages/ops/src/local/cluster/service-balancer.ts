import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { baseEnv } from '../base-env';
import { type BalancerState, readBalancerState } from './balancer/balancer-client';
import { balancerProgramArgs } from './balancer-program';
import { adminUrl, type BalancerRecord, readBalancerRecord, writeBalancerRecord } from './balancer-record';
import type { ServicePaths } from './cluster-paths';
import type { ClusterSettings } from './cluster-settings';
import { freePort } from './free-port';
import { logTail } from './log-tail';
import { BALANCER_DIR_ENV, carriesMark, findMarkedProcesses } from './marked-processes';
import { spawnDetached } from './spawn-detached';
import { stopProcessGroups } from './stop-process-groups';

const ADMIN_TIMEOUT_MS = 1000;

export interface RunningService {
  record: BalancerRecord;
  state: BalancerState;
}

/**
 * The balancer's state when the process recorded in balancer.json runs, is ours (carries the
 * service's mark, so a recycled pid is never mistaken for it) and answers for this service.
 */
export async function liveBalancer(
  record: BalancerRecord,
  paths: ServicePaths,
  timeoutMs = ADMIN_TIMEOUT_MS,
): Promise<BalancerState | null> {
  if (!(await carriesMark(record.pid, BALANCER_DIR_ENV, paths.serviceDir))) return null;
  const state = await readBalancerState(adminUrl(record), timeoutMs);
  return state && state.service === record.service && state.pid === record.pid ? state : null;
}

/**
 * Makes sure the service's balancer runs, starting it when it does not (first promote, or after a
 * reboot). The port: the one recorded for the service if a cluster named it, else the one a
 * cluster names now, else the one picked earlier, else a free one, which is then kept. A freshly
 * started balancer serves `initial` (by default what it served before) until told otherwise.
 */
export async function ensureBalancer(
  service: string,
  paths: ServicePaths,
  settings: ClusterSettings,
  options: {
    requestedPort?: number;
    initial?: { clusterId: string | null; upstreams: string[] };
    log(line: string): void;
  },
): Promise<RunningService> {
  const record = await readBalancerRecord(paths.balancerFile);
  const wanted = await decidePort(record, options.requestedPort);
  if (record && options.requestedPort !== undefined && wanted.port !== options.requestedPort) {
    options.log(
      `service ${service} keeps balancer port ${record.port}, named by an earlier cluster; this cluster's balancerPort ${options.requestedPort} is ignored`,
    );
  }
  if (record) {
    const state = await liveBalancer(record, paths);
    if (state && record.port === wanted.port) {
      const synced = {
        ...record,
        clusterId: state.clusterId,
        upstreams: state.upstreams,
        generation: state.generation,
      };
      return { record: synced, state };
    }
    if (state) options.log(`moving the balancer of ${service} from port ${record.port} to ${wanted.port}`);
  }
  // Whatever still carries the service's mark is a stale or hung balancer: it must not hold the port.
  const stale = await stopServiceBalancers(paths, settings.killGraceMs);
  if (stale.length > 0) options.log(`stopped stale balancer process(es) ${stale.join(', ')} of ${service}`);

  await mkdir(paths.serviceDir, { recursive: true });
  const initial = options.initial ?? {
    clusterId: record?.clusterId ?? null,
    upstreams: record?.upstreams ?? [],
  };
  const generation = record?.generation ?? 0;
  const adminPort = await freePort();
  const token = record?.token ?? randomBytes(32).toString('hex');
  const env = baseEnv({
    [BALANCER_DIR_ENV]: paths.serviceDir,
    SLIPWAY_BALANCER_SERVICE: service,
    SLIPWAY_BALANCER_HOST: settings.balancerHost,
    SLIPWAY_BALANCER_PORT: String(wanted.port),
    SLIPWAY_BALANCER_ADMIN_PORT: String(adminPort),
    SLIPWAY_BALANCER_TOKEN: token,
    SLIPWAY_BALANCER_STATE: JSON.stringify({ ...initial, generation }),
  });
  const pid = await spawnDetached({
    command: process.execPath,
    args: balancerProgramArgs(),
    cwd: paths.serviceDir,
    env,
    logFile: paths.balancerLog,
  });
  const started: BalancerRecord = {
    service,
    host: settings.balancerHost,
    port: wanted.port,
    portFrom: wanted.from,
    adminPort,
    token,
    pid,
    startedAt: new Date().toISOString(),
    logFile: paths.balancerLog,
    ...initial,
    generation,
    previous: record?.previous ?? null,
  };
  // Recorded before it is even up, so a crash right now still leaves a way to find it.
  await writeBalancerRecord(paths.balancerFile, started);
  options.log(`started the balancer of ${service}: pid ${pid}, port ${wanted.port}, admin port ${adminPort}`);
  const state = await waitForBalancer(started, paths, settings.startTimeoutMs);
  return { record: started, state };
}

async function decidePort(
  record: BalancerRecord | null,
  requested: number | undefined,
): Promise<{ port: number; from: 'spec' | 'picked' }> {
  if (record?.portFrom === 'spec') return { port: record.port, from: 'spec' };
  if (requested !== undefined) return { port: requested, from: 'spec' };
  if (record) return { port: record.port, from: 'picked' };
  return { port: await freePort(), from: 'picked' };
}

async function waitForBalancer(
  record: BalancerRecord,
  paths: ServicePaths,
  timeoutMs: number,
): Promise<BalancerState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await liveBalancer(record, paths, 500);
    if (state) return state;
    if (!(await carriesMark(record.pid, BALANCER_DIR_ENV, paths.serviceDir))) {
      throw new Error(
        `the balancer of ${record.service} (pid ${record.pid}) exited during start; its log ends: ${await logTail(record.logFile)}`,
      );
    }
    if (Date.now() >= deadline) {
      await stopServiceBalancers(paths, 0);
      throw new Error(
        `the balancer of ${record.service} (pid ${record.pid}) did not answer on admin port ${record.adminPort} within ${timeoutMs}ms and was stopped; its log ends: ${await logTail(record.logFile)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Stops every process carrying this service's balancer mark; returns their pids. */
export async function stopServiceBalancers(paths: ServicePaths, graceMs: number): Promise<number[]> {
  const running = await findMarkedProcesses(BALANCER_DIR_ENV, (value) => value === paths.serviceDir);
  if (running.length === 0) return [];
  const report = await stopProcessGroups(
    running.map((process) => process.pgid),
    graceMs,
  );
  if (report.remaining.length > 0) {
    throw new Error(`could not stop balancer process group(s) ${report.remaining.join(', ')}`);
  }
  return running.map((process) => process.pid);
}
