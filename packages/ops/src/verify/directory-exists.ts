import { readdir, stat } from 'node:fs/promises';
import { type CheckResult, errorCode, timedCheck } from './check-result';

export interface DirectoryExistsOptions {
  /** Also require at least one entry: an empty directory is not a built app. */
  notEmpty?: boolean;
}

export function directoryExists(path: string, options: DirectoryExistsOptions = {}): Promise<CheckResult> {
  const name = options.notEmpty ? `directory ${path} exists and is not empty` : `directory ${path} exists`;
  return timedCheck(name, async () => {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (error) {
      const code = errorCode(error);
      return {
        ok: false,
        message: `expected a directory at ${path}, found ${code === 'ENOENT' ? 'nothing' : `an error (${code ?? String(error)})`}`,
      };
    }
    if (!info.isDirectory()) return { ok: false, message: `expected a directory at ${path}, found a file` };
    if (!options.notEmpty) return { ok: true, message: `${path} is a directory` };
    const entries = await readdir(path);
    return entries.length > 0
      ? { ok: true, message: `${path} is a directory holding ${entries.length} entries` }
      : { ok: false, message: `expected ${path} to hold files, found it empty` };
  });
}
