import { liveGroupMembers, signalGroup, waitForGroupGone } from '../process-group';
import { processStat } from './marked-processes';

const AFTER_KILL_MS = 5000;

export interface StopReport {
  /** Groups that ignored SIGTERM for the whole grace period and were killed. */
  killed: number[];
  /** Groups with live members even after SIGKILL (should not happen; reported, never hidden). */
  remaining: number[];
}

/**
 * Stops process groups the polite way first: SIGTERM lets an app finish its requests and close
 * its port; SIGKILL follows for any group still alive after `graceMs`.
 */
export async function stopProcessGroups(pgids: number[], graceMs: number): Promise<StopReport> {
  const own = (await processStat(process.pid))?.pgrp;
  // A group id of 0 or 1, or our own, would take down far more than an instance.
  const groups = [...new Set(pgids)].filter((pgid) => Number.isInteger(pgid) && pgid > 1 && pgid !== own);
  for (const pgid of groups) signalGroup(pgid, 'SIGTERM');
  const politely = await Promise.all(groups.map((pgid) => waitForGroupGone(pgid, graceMs)));
  const stubborn = groups.filter((_, index) => !politely[index]);
  for (const pgid of stubborn) signalGroup(pgid, 'SIGKILL');
  await Promise.all(stubborn.map((pgid) => waitForGroupGone(pgid, AFTER_KILL_MS)));
  const remaining: number[] = [];
  for (const pgid of stubborn) if ((await liveGroupMembers(pgid)).length > 0) remaining.push(pgid);
  return { killed: stubborn, remaining };
}
