import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { readFile, readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { existingBuildCgroup, killBuildCgroup } from './build-cgroup';
import { BuildTracker } from './build-tracker';
import { isInside } from './paths';
import { liveGroupMembers, waitForGroupGone } from './process-group';

/**
 * A worker that dies mid-build leaves its detached build running. The pid file lets the next
 * attempt (or cleanup, or destroy) stop it before deleting the directory it writes into.
 */
const PID_FILE = 'build.pid';

/** Marks the build's environment so a recorded pid can be matched to this image after a crash. */
export const IMAGE_DIR_ENV = 'SLIPWAY_IMAGE_DIR';

export function recordBuild(imageDir: string, pid: number): void {
  writeFileSync(join(imageDir, PID_FILE), `${pid}\n`);
}

export async function forgetBuild(imageDir: string): Promise<void> {
  await rm(join(imageDir, PID_FILE), { force: true });
}

/** The cgroup a build of this image runs in, where one can be had; the same for every attempt. */
export function buildCgroupName(imageDir: string): string {
  return `slipway-build-${createHash('sha256').update(imageDir).digest('hex').slice(0, 16)}`;
}

/**
 * Kills what a build of `imageDir` left running: its cgroup, its recorded process group (if a
 * member still works on this image, so a reused pid is left alone) and every process carrying the
 * image's mark. Returns what it stopped, or null if nothing ran.
 */
export async function stopStaleBuild(
  imageDir: string,
): Promise<{ group: number | null; killed: number } | null> {
  const pgid = readRecordedPid(imageDir);
  const cgroup = existingBuildCgroup(buildCgroupName(imageDir));
  const fromCgroup = cgroup ? await killBuildCgroup(cgroup, 5000) : { killed: 0 };
  let ours = false;
  if (pgid !== null) {
    const members = await liveGroupMembers(pgid);
    // The pid may have been reused by an unrelated process since: only kill what works on this image.
    ours = (await Promise.all(members.map((pid) => belongsToImage(pid, imageDir)))).some(Boolean);
  }
  // The tracker kills the recorded group and session (when ours) and every marked process.
  const tracker = new BuildTracker({
    leader: ours ? pgid : null,
    mark: { name: IMAGE_DIR_ENV, value: imageDir },
    descriptors: new Set(),
  });
  const swept = await tracker.killAll(5000);
  if (pgid !== null && ours) await waitForGroupGone(pgid, 5000);
  const killed = fromCgroup.killed + swept.killed;
  return killed > 0 || ours ? { group: ours ? pgid : null, killed } : null;
}

function readRecordedPid(imageDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(imageDir, PID_FILE), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

async function belongsToImage(pid: number, imageDir: string): Promise<boolean> {
  const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => null);
  if (cwd && isInside(cwd, imageDir)) return true;
  const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
  return environ.split('\0').includes(`${IMAGE_DIR_ENV}=${imageDir}`);
}
