import { readFileSync, writeFileSync } from 'node:fs';
import { readFile, readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isInside } from './paths';
import { liveGroupMembers, signalGroup, waitForGroupGone } from './process-group';

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

/** Kills a build recorded in `imageDir` that still runs there; returns its group id if it did. */
export async function stopStaleBuild(imageDir: string): Promise<number | null> {
  const pgid = readRecordedPid(imageDir);
  if (pgid === null) return null;
  const members = await liveGroupMembers(pgid);
  // The pid may have been reused by an unrelated process since: only kill what works on this image.
  const ours = await Promise.all(members.map((pid) => belongsToImage(pid, imageDir)));
  if (!ours.some(Boolean)) return null;
  signalGroup(pgid, 'SIGKILL');
  await waitForGroupGone(pgid, 5000);
  return pgid;
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
