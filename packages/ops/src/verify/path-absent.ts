import { lstat } from 'node:fs/promises';
import { type CheckResult, errorCode, timedCheck } from './check-result';

/** Proves a removal: nothing at all (not even a dangling symlink) may be left at the path. */
export function pathAbsent(path: string): Promise<CheckResult> {
  return timedCheck(`nothing at ${path}`, async () => {
    try {
      const info = await lstat(path);
      const found = info.isDirectory() ? 'a directory' : info.isFile() ? 'a file' : 'an entry';
      return { ok: false, message: `expected nothing at ${path}, found ${found}` };
    } catch (error) {
      const code = errorCode(error);
      return code === 'ENOENT'
        ? { ok: true, message: `${path} is gone` }
        : { ok: false, message: `expected nothing at ${path}, could not tell: ${code ?? String(error)}` };
    }
  });
}
