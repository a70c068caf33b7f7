import { readFileSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';

/**
 * Finds the processes a build started when no cgroup holds them, from what they inherited:
 * - its process group and session (the shell leads both);
 * - its environment mark (`name=value`), which `env -i` drops;
 * - descriptors it holds open: the build's stdout, stderr and an otherwise unused fd 3, which
 *   survive `setsid`, `env -i`, double forks and `>/dev/null` redirection;
 * - parent links seen while the build ran, kept for processes that later dropped every mark.
 * A process that leaves the session, drops the environment and closes every inherited descriptor
 * between two scans, and whose parent exits before one, is not found: only a cgroup (or a
 * subreaper, which Node cannot become) sees it.
 */
export interface BuildMarks {
  /** The shell's pid: also its process group and session id; null when not known to be ours. */
  leader: number | null;
  mark: { name: string; value: string } | null;
  /** `/proc/<pid>/fd` link targets of the build's descriptors, e.g. `pipe:[1234]`. */
  descriptors: Set<string>;
  /** The leader's start time: a process started before it cannot descend from it. */
  bornAfter?: number;
}

interface ProcessStat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** Clock ticks after boot: with the pid, names one process even after the pid is reused. */
  startTime: string;
}

/** The fd link targets of a process, e.g. `pipe:[1234]`; empty when unreadable. */
/** A process's start time in clock ticks after boot; null when it is gone. */
export async function startTimeOf(pid: number): Promise<number | null> {
  const stat = await statOf(pid);
  return stat === null ? null : Number(stat.startTime);
}

export async function descriptorsOf(pid: number, fds: number[]): Promise<string[]> {
  const links = await Promise.all(fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => null)));
  return links.filter((link): link is string => link !== null && /^(pipe|socket):/.test(link));
}

export class BuildTracker {
  /** pid → start time of every process seen belonging to the build. */
  private readonly known = new Map<number, string>();

  constructor(private readonly marks: BuildMarks) {}

  /** Records what belongs to the build right now, to keep parent links a later escape breaks. */
  async scan(): Promise<void> {
    this.adopt(await allStats());
  }

  /**
   * Stops (SIGSTOP, so nothing forks meanwhile) every live process of the build, rescanning until
   * no new one appears, then kills them all. Returns how many it killed and which remain.
   */
  async killAll(timeoutMs: number): Promise<{ killed: number; remaining: number[] }> {
    const caught = new Map<number, string>();
    for (let round = 0; round < 20; round += 1) {
      const stats = await allStats();
      const found: ProcessStat[] = [];
      for (const stat of stats) {
        if (caught.has(stat.pid) || stat.pid === process.pid) continue;
        if (this.marks.bornAfter !== undefined && Number(stat.startTime) < this.marks.bornAfter) continue;
        if (await this.belongs(stat, caught)) found.push(stat);
      }
      if (found.length === 0) break;
      for (const stat of found) {
        caught.set(stat.pid, stat.startTime);
        signalIfSame(stat.pid, stat.startTime, 'SIGSTOP');
      }
    }
    for (const [pid, startTime] of caught) signalIfSame(pid, startTime, 'SIGKILL');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const remaining: number[] = [];
      for (const [pid, startTime] of caught) if (await runs(pid, startTime)) remaining.push(pid);
      if (remaining.length === 0 || Date.now() >= deadline) return { killed: caught.size, remaining };
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private async belongs(stat: ProcessStat, caught: Map<number, string>): Promise<boolean> {
    const { mark, descriptors } = this.marks;
    if (this.leads(stat)) return true;
    if (caught.has(stat.ppid) || this.known.get(stat.pid) === stat.startTime) return true;
    if (this.known.has(stat.ppid) && (await runs(stat.ppid, this.known.get(stat.ppid)!))) return true;
    if (mark && (await environmentHas(stat.pid, `${mark.name}=${mark.value}`))) return true;
    return descriptors.size > 0 && (await holdsAny(stat.pid, descriptors));
  }

  private leads(stat: ProcessStat): boolean {
    const { leader } = this.marks;
    return leader !== null && (stat.pgrp === leader || stat.session === leader);
  }

  private adopt(stats: ProcessStat[]): void {
    for (const stat of stats) if (this.leads(stat)) this.known.set(stat.pid, stat.startTime);
    // Children of known processes, to a fixed point: a chain may be listed in any order.
    for (let grown = true; grown; ) {
      grown = false;
      for (const stat of stats) {
        if (!this.known.has(stat.pid) && this.known.has(stat.ppid)) {
          this.known.set(stat.pid, stat.startTime);
          grown = true;
        }
      }
    }
  }
}

async function allStats(): Promise<ProcessStat[]> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const stats = await Promise.all(
    entries.filter((entry) => /^\d+$/.test(entry)).map((entry) => statOf(Number(entry))),
  );
  return stats.filter(
    (stat): stat is ProcessStat => stat !== null && stat.state !== 'Z' && stat.state !== 'X',
  );
}

async function statOf(pid: number): Promise<ProcessStat | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!text) return null;
  // The command name may hold spaces and parentheses; field 3 (state) follows the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  if (fields.length < 20) return null;
  return {
    pid,
    state: fields[0]!,
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
    session: Number(fields[3]),
    startTime: fields[19]!,
  };
}

async function runs(pid: number, startTime: string): Promise<boolean> {
  const stat = await statOf(pid);
  return (
    stat !== null &&
    stat.state !== 'Z' &&
    stat.state !== 'X' &&
    (startTime === '' || stat.startTime === startTime)
  );
}

function signalIfSame(pid: number, startTime: string, signal: NodeJS.Signals): void {
  // A pid is reused only once its process is reaped; checking the start time right before the
  // signal narrows that window to nothing a stopped process (all of these are) can use.
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (startTime !== '' && fields[19] !== startTime) return;
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

async function environmentHas(pid: number, entry: string): Promise<boolean> {
  const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
  return environ.split('\0').includes(entry);
}

async function holdsAny(pid: number, targets: Set<string>): Promise<boolean> {
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => null);
    if (target !== null && targets.has(target)) return true;
  }
  return false;
}
