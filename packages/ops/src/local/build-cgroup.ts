import { accessSync, constants, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A cgroup v2 for one build, when this machine gives us one: a child of our own cgroup, which
 * root may always create and a non-root user only where systemd (or a container) delegated it.
 * Every process the build starts stays in it, whatever session, group, environment or parent it
 * gets, so `cgroup.kill` reaches them all at once.
 */
export interface BuildCgroup {
  dir: string;
  procsFile: string;
}

/** Our own cgroup v2 directory if we may create children in it; null otherwise. */
export function cgroupV2DirSync(): string | null {
  try {
    const mount = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((line) => line.split(' '))
      // Fields: id parent major:minor root mountpoint options ... - fstype source superoptions
      .find((fields) => fields[fields.indexOf('-') + 1] === 'cgroup2')?.[4];
    const own = readFileSync('/proc/self/cgroup', 'utf8')
      .split('\n')
      .find((line) => line.startsWith('0::'))
      ?.slice(3);
    if (!mount || own === undefined) return null;
    const dir = join(mount, own);
    accessSync(dir, constants.W_OK);
    accessSync(join(dir, 'cgroup.procs'), constants.W_OK);
    return dir;
  } catch {
    return null;
  }
}

export async function createBuildCgroup(name: string): Promise<BuildCgroup | null> {
  const parent = cgroupV2DirSync();
  if (parent === null) return null;
  const dir = join(parent, name);
  try {
    await mkdir(dir);
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) return null;
  }
  return { dir, procsFile: join(dir, 'cgroup.procs') };
}

/** The cgroup a build of that name had, if it still exists (after a crash, say). */
export function existingBuildCgroup(name: string): BuildCgroup | null {
  const parent = cgroupV2DirSync();
  if (parent === null) return null;
  const dir = join(parent, name);
  return existsSync(dir) ? { dir, procsFile: join(dir, 'cgroup.procs') } : null;
}

/** Moves `pid` into the cgroup; false when the kernel refuses (no write access to both ends). */
export function joinCgroup(pid: number, cgroup: BuildCgroup): boolean {
  try {
    writeFileSync(cgroup.procsFile, String(pid));
    return true;
  } catch {
    return false;
  }
}

/**
 * Kills everything in the cgroup and removes it; returns how many processes it held and the pids
 * still there at the deadline (none, unless the kernel could not kill them).
 */
export async function killBuildCgroup(
  cgroup: BuildCgroup,
  timeoutMs: number,
): Promise<{ killed: number; remaining: number[] }> {
  const members = await cgroupMembers(cgroup);
  const killFile = join(cgroup.dir, 'cgroup.kill');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await cgroupMembers(cgroup);
    if (left.length === 0) break;
    if (Date.now() >= deadline) return { killed: members.length, remaining: left };
    // cgroup.kill (Linux 5.14+) kills the whole tree atomically; before it, each pid in turn, and
    // this loop catches whatever forked meanwhile.
    if (existsSync(killFile)) await writeFile(killFile, '1').catch(() => {});
    else for (const pid of left) killQuietly(pid);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // Removal fails while the kernel still tears the last process down; a later build of the
  // same image reuses the directory, so a leftover is harmless.
  for (let tries = 0; tries < 50; tries += 1) {
    try {
      await rmdir(cgroup.dir);
      break;
    } catch (error) {
      if (error instanceof Error && 'code' in error && error.code === 'ENOENT') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  return { killed: members.length, remaining: [] };
}

async function cgroupMembers(cgroup: BuildCgroup): Promise<number[]> {
  const text = await readFile(cgroup.procsFile, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map(Number);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
