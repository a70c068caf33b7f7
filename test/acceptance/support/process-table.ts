import { readdir, readFile, readlink } from 'node:fs/promises';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  cwd: string;
  command: string;
}

async function describeProcess(pid: number): Promise<ProcessInfo | null> {
  try {
    const [cwd, cmdline, stat] = await Promise.all([
      readlink(`/proc/${pid}/cwd`),
      readFile(`/proc/${pid}/cmdline`, 'utf8'),
      readFile(`/proc/${pid}/stat`, 'utf8'),
    ]);
    // The command name in stat may contain spaces and parentheses; fields after the last ')' are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return null;
    return { pid, ppid: Number(fields[1]), cwd, command: cmdline.split('\0').join(' ').trim() };
  } catch {
    return null; // gone meanwhile, or not ours to inspect
  }
}

/**
 * Processes working inside `dir` or naming it on their command line: how a build left running by
 * a killed server is found. Linux only (reads /proc); elsewhere it answers an empty list.
 */
export async function processesWithin(dir: string): Promise<ProcessInfo[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const pids = entries
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => pid !== process.pid);
  const all = await Promise.all(pids.map(describeProcess));
  return all.filter(
    (info): info is ProcessInfo => info !== null && (info.cwd.startsWith(dir) || info.command.includes(dir)),
  );
}

/** SIGKILLs what `processesWithin` finds, so one test's leftovers cannot disturb the next. */
export async function killProcessesWithin(dir: string): Promise<ProcessInfo[]> {
  const found = await processesWithin(dir);
  for (const info of found) {
    try {
      process.kill(info.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return found;
}

/**
 * Live processes whose environment holds `name=value`: a process and every descendant it started,
 * however they were re-parented (an orphaned server keeps the environment it inherited).
 */
export async function processesCarrying(name: string, value: string): Promise<ProcessInfo[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const wanted = `${name}=${value}`;
  const found = await Promise.all(
    entries
      .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
      .map(async (entry) => {
        try {
          const environ = await readFile(`/proc/${entry}/environ`, 'utf8');
          return environ.split('\0').includes(wanted) ? describeProcess(Number(entry)) : null;
        } catch {
          return null;
        }
      }),
  );
  return found.filter((info): info is ProcessInfo => info !== null);
}
