import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Regular files and their bytes, not following symlinks (a link out of the image is not its size). */
export async function directoryStats(dir: string): Promise<{ files: number; sizeBytes: number }> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  let files = 0;
  let sizeBytes = 0;
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    files += 1;
    sizeBytes += (await lstat(join(entry.parentPath, entry.name))).size;
  }
  return { files, sizeBytes };
}
