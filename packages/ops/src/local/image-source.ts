import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, parse, resolve } from 'node:path';
import { isInside } from './paths';

export interface SourceRules {
  cwd: string;
  dataDir: string;
  /** When given, a source must lie inside one of these; an empty list allows nothing. */
  sourceRoots?: string[];
}

export type SourceCheck =
  | { ok: true; path: string }
  | { ok: false; code: 'source_missing' | 'source_not_allowed'; message: string };

/**
 * The cheap, synchronous checks of `spec.source`, shared by create-time validation and the build
 * step (the directory may have changed in between). Paths are compared after resolving symlinks so
 * a link cannot smuggle a source out of the allowed roots.
 */
export function checkSource(source: string | undefined, rules: SourceRules): SourceCheck {
  if (source === undefined) {
    return {
      ok: false,
      code: 'source_missing',
      message: 'spec.source: is required for the local provider; give the directory that holds the app',
    };
  }
  const quoted = `spec.source: ${JSON.stringify(source)}`;
  const resolved = resolve(rules.cwd, source);
  let info: ReturnType<typeof statSync>;
  try {
    info = statSync(resolved, { throwIfNoEntry: false });
  } catch (error) {
    // ENAMETOOLONG, EACCES, ENOTDIR, ELOOP: all mean "this is not a directory we can use".
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    return {
      ok: false,
      code: 'source_missing',
      message: `${quoted} cannot be read (${reason}); give an existing directory the server can read`,
    };
  }
  if (!info) {
    return {
      ok: false,
      code: 'source_missing',
      message: `${quoted} is not a directory: nothing exists at ${resolved}`,
    };
  }
  if (!info.isDirectory()) {
    return {
      ok: false,
      code: 'source_missing',
      message: `${quoted} is not a directory: ${resolved} is a file`,
    };
  }
  const path = realpathSync(resolved);
  const denied = (why: string): SourceCheck => ({
    ok: false,
    code: 'source_not_allowed',
    message: `${quoted} ${why}`,
  });
  if (path === parse(path).root)
    return denied('is the filesystem root; give the directory that holds the app');
  if (rules.sourceRoots) {
    const roots = rules.sourceRoots.map((root) => realpathLoose(resolve(rules.cwd, root)));
    if (!roots.some((root) => isInside(path, root))) {
      const allowed = roots.length > 0 ? roots.join(', ') : 'none are configured';
      return denied(
        `resolves to ${path}, outside the allowed source roots (${allowed}); move the app under one of them`,
      );
    }
  }
  const dataDir = realpathLoose(resolve(rules.cwd, rules.dataDir));
  if (isInside(dataDir, path)) {
    return denied(
      `resolves to ${path}, which contains Slipway's data directory ${dataDir}: the copy would include itself; give the app's own directory`,
    );
  }
  if (isInside(path, dataDir)) {
    return denied(
      `resolves to ${path}, inside Slipway's data directory ${dataDir}; give a directory outside it`,
    );
  }
  return { ok: true, path };
}

/** realpath for a path that may not exist yet (the data directory before the first start). */
function realpathLoose(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realpathLoose(parent), basename(path));
  }
}
