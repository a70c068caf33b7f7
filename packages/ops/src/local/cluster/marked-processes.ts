import { readdir, readFile } from 'node:fs/promises';

/**
 * Every process we start for a cluster or a balancer carries its directory in its environment.
 * That mark survives our own crash and a restart, and tells our processes apart from strangers
 * that were later given a recycled pid: we only ever signal marked processes.
 */
export const CLUSTER_DIR_ENV = 'SLIPWAY_CLUSTER_DIR';
export const BALANCER_DIR_ENV = 'SLIPWAY_BALANCER_DIR';

export interface MarkedProcess {
  pid: number;
  /** Process group: what we signal to stop the process and whatever it started. */
  pgid: number;
}

/** Live (non-zombie) processes whose environment has `name` with a value accepted by `matches`. */
export async function findMarkedProcesses(
  name: string,
  matches: (value: string) => boolean,
): Promise<MarkedProcess[]> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const found: MarkedProcess[] = [];
  await Promise.all(
    entries
      .filter((entry) => /^\d+$/.test(entry))
      .map(async (entry) => {
        const pid = Number(entry);
        const value = await markOf(pid, name);
        if (value === null || !matches(value)) return;
        const stat = await processStat(pid);
        if (stat && stat.state !== 'Z' && stat.state !== 'X') found.push({ pid, pgid: stat.pgrp });
      }),
  );
  return found.sort((a, b) => a.pid - b.pid);
}

/** True when `pid` runs (not a zombie) and carries exactly `name=value`. */
export async function carriesMark(pid: number, name: string, value: string): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const stat = await processStat(pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
  return (await markOf(pid, name)) === value;
}

async function markOf(pid: number, name: string): Promise<string | null> {
  // Unreadable environments belong to other users' processes: never ours.
  const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
  const prefix = `${name}=`;
  const entry = environ.split('\0').find((line) => line.startsWith(prefix));
  return entry === undefined ? null : entry.slice(prefix.length);
}

export async function processStat(pid: number): Promise<{ state: string; pgrp: number } | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!stat) return null;
  // The command name may hold spaces and parentheses; the fields we need follow the last ')'.
  const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return state === undefined ? null : { state, pgrp: Number(pgrp) };
}
