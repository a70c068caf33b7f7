import { type CheckResult, timedCheck } from './check-result';
import { processRunning } from './process-running';

/** Proves a process is gone. A zombie counts as gone: it runs nothing and holds no port. */
export function processStopped(pid: number): Promise<CheckResult> {
  return timedCheck(`process ${pid} is stopped`, async () => {
    if (!Number.isInteger(pid) || pid <= 0) {
      return { ok: false, message: `expected a positive integer pid, got ${pid}` };
    }
    const running = await processRunning(pid);
    return running.ok
      ? { ok: false, message: `expected process ${pid} to be stopped, found it still running` }
      : { ok: true, message: `process ${pid} is not running` };
  });
}
