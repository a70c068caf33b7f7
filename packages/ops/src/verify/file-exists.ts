import { stat } from 'node:fs/promises';
import { type CheckResult, errorCode, timedCheck } from './check-result';

export function fileExists(path: string): Promise<CheckResult> {
  return timedCheck(`file ${path} exists`, async () => {
    try {
      const info = await stat(path);
      return info.isFile()
        ? { ok: true, message: `${path} is a file of ${info.size} bytes` }
        : { ok: false, message: `expected a file at ${path}, found a directory or other non-file` };
    } catch (error) {
      const code = errorCode(error);
      return {
        ok: false,
        message: `expected a file at ${path}, found ${code === 'ENOENT' ? 'nothing' : `an error (${code ?? String(error)})`}`,
      };
    }
  });
}
