import { readFile } from 'node:fs/promises';
import { type CheckResult, errorCode, timedCheck } from './check-result';

/**
 * Proves a pid is the process we started and not a stranger that was given a recycled pid: the
 * process must carry `name=value` in the environment it was started with (Linux /proc).
 */
export function processHasEnv(pid: number, name: string, value: string): Promise<CheckResult> {
  return timedCheck(`process ${pid} has ${name}=${value}`, async () => {
    if (!Number.isInteger(pid) || pid <= 0) {
      return { ok: false, message: `expected a positive integer pid, got ${pid}` };
    }
    let environ: string;
    try {
      environ = await readFile(`/proc/${pid}/environ`, 'utf8');
    } catch (error) {
      const code = errorCode(error);
      const found = code === 'ENOENT' ? 'no such process' : `its environment unreadable (${code ?? error})`;
      return { ok: false, message: `expected process ${pid} to have ${name}=${value}, found ${found}` };
    }
    const entry = environ.split('\0').find((line) => line.startsWith(`${name}=`));
    if (entry === `${name}=${value}`) return { ok: true, message: `process ${pid} has ${name}=${value}` };
    const found = entry === undefined ? `no ${name}` : JSON.stringify(entry);
    return { ok: false, message: `expected process ${pid} to have ${name}=${value}, found ${found}` };
  });
}
