import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
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
/**
 * The second, patient look at a balancer that carries the service's mark but did not answer within
 * ADMIN_TIMEOUT_MS: on a loaded machine a healthy one can be that slow, and killing it drops the
 * requests it serves. Only a balancer still silent after this long is taken for hung.
 */
const PATIENT_ADMIN_TIMEOUT_MS = 5000;

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
 * Makes sure the service's balancer runs on `port`, starting it when it does not (provisioning the
 * service, a repair, or after a reboot). The port is the service's: provisioning passes the one its
 * spec names (or a free one it picked), everyone else the one recorded. A freshly started balancer
 * serves `initial` (by default what it served before) until told otherwise. When it cannot start
 * (the port is taken), the record is put back as it was, so a port that failed to bind is never
 * remembered.
 */
export async function ensureBalancer(
  service: string,
  paths: ServicePaths,
  settings: Pick<ClusterSettings, 'killGraceMs' | 'startTimeoutMs' | 'balancerHost'>,
  options: {
    port: number;
    portFrom: 'spec' | 'picked';
    initial?: { clusterId: string | null; upstreams: string[] };
    log(line: string): void;
    /** Stops the wait for a freshly started balancer (a cancelled provision); what runs stays. */
    signal?: AbortSignal;
  },
): Promise<RunningService> {
  const record = await readBalancerRecord(paths.balancerFile);
  if (record) {
    // A dead process (or a pid that is no longer ours) fails the mark check at once: no wait.
    const state =
      (await liveBalancer(record, paths)) ??
      ((await carriesMark(record.pid, BALANCER_DIR_ENV, paths.serviceDir))
        ? await liveBalancer(record, paths, PATIENT_ADMIN_TIMEOUT_MS)
        : null);
    if (state && record.port === options.port) {
      const synced = {
        ...record,
        clusterId: state.clusterId,
        upstreams: state.upstreams,
        generation: state.generation,
      };
      return { record: synced, state };
    }
    if (state) options.log(`moving the balancer of ${service} from port ${record.port} to ${options.port}`);
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
    SLIPWAY_BALANCER_PORT: String(options.port),
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
    port: options.port,
    portFrom: options.portFrom,
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
  options.log(
    `started the balancer of ${service}: pid ${pid}, port ${options.port}, admin port ${adminPort}`,
  );
  try {
    const state = await waitForBalancer(started, paths, settings.startTimeoutMs, options.signal);
    return { record: started, state };
  } catch (error) {
    // Aborted, the process may still come up: its record stays, for the cleanup or the next attempt.
    if (options.signal?.aborted) throw error;
    if (record) await writeBalancerRecord(paths.balancerFile, record);
    else await rm(paths.balancerFile, { force: true });
    throw error;
  }
}

async function waitForBalancer(
  record: BalancerRecord,
  paths: ServicePaths,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<BalancerState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted)
      throw new Error(`stopped waiting for the balancer of ${record.service} (pid ${record.pid}): aborted`);
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
