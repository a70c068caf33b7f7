import { cp } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Copies the app as it is, build outputs and node_modules included; only the top-level `.git`
 * is left out, being history rather than app. Relative symlinks stay relative so they point
 * into the copy, not back into the source.
 */
export async function copySource(source: string, destination: string): Promise<void> {
  const git = join(source, '.git');
  await cp(source, destination, {
    recursive: true,
    verbatimSymlinks: true,
    preserveTimestamps: true,
    errorOnExist: true,
    force: false,
    filter: (path) => path !== git,
  });
}
