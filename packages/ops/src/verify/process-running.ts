import { readFile } from 'node:fs/promises';
import { type CheckResult, errorCode, timedCheck } from './check-result';

export function processRunning(pid: number): Promise<CheckResult> {
  return timedCheck(`process ${pid} is running`, async () => {
    // pid 0 and negative pids address process groups in kill(2): they would "prove" the wrong thing.
    if (!Number.isInteger(pid) || pid <= 0) {
      return { ok: false, message: `expected a positive integer pid, got ${pid}` };
    }
    try {
      process.kill(pid, 0);
    } catch (error) {
      const code = errorCode(error);
      // EPERM: the process exists but belongs to someone else.
      if (code !== 'EPERM') {
        return { ok: false, message: `expected process ${pid} to be running, found no such process` };
      }
    }
    // kill(pid, 0) also succeeds for a zombie, which serves nothing; Linux tells them apart.
    const state = await linuxProcessState(pid);
    if (state === 'Z' || state === 'X') {
      return { ok: false, message: `expected process ${pid} to be running, found it exited (zombie)` };
    }
    return { ok: true, message: `process ${pid} is running` };
  });
}

async function linuxProcessState(pid: number): Promise<string | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses; the state follows the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) || null;
  } catch {
    return null;
  }
}
