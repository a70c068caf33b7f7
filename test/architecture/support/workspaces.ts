import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..', '..');

/** What a package.json declares that the import check reads. */
export interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  workspaces?: string[];
  /**
   * Slipway's own field: `builtins`, the Node built-ins the sources may import (`fs` allows
   * `node:fs` and `node:fs/promises`); `tooling`, a workspace that never ships (tests, benchmarks).
   */
  slipway?: { builtins?: string[]; tooling?: boolean };
}

/** A workspace (or the root package, dir ''), its manifest and where it sits in the repository. */
export interface Workspace {
  dir: string;
  manifest: Manifest;
}

export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as Manifest;
}

/** The root package first, then every workspace it lists. */
export function workspaces(): Workspace[] {
  const root = readManifest('');
  return [
    { dir: '', manifest: root },
    ...(root.workspaces ?? []).map((dir) => ({ dir, manifest: readManifest(dir) })),
  ];
}

const SOURCE = /\.(?:[cm]?ts|[cm]?js)$/;
const SKIPPED = new Set(['node_modules', 'dist', '.tmp', '.slipway', '.venv', '.tools', 'coverage', '.git']);

/** Repository-relative paths of every TypeScript and JavaScript source, skipping build output. */
export function sourceFiles(dir = ''): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    if (SKIPPED.has(entry.name)) continue;
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...sourceFiles(path));
    else if (entry.isFile() && SOURCE.test(entry.name)) found.push(path);
  }
  return found;
}

export function toPosix(path: string): string {
  return path.split(sep).join('/');
}

export function repoRelative(absolute: string): string {
  return toPosix(relative(ROOT, absolute));
}

export function exists(path: string): boolean {
  return existsSync(join(ROOT, path));
}
