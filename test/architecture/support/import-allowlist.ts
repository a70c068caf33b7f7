import { builtinModules } from 'node:module';
import { posix } from 'node:path';
import ts from 'typescript';
import type { Manifest, Workspace } from './workspaces';

export interface SourceFile {
  /** Repository-relative, with forward slashes. */
  path: string;
  text: string;
}

const BUILTINS = new Set(builtinModules.map((name) => name.replace(/^node:/, '')));

/** Every module specifier a file imports, re-exports, requires or imports dynamically with a literal. */
export function importsOf(file: SourceFile): string[] {
  const { importedFiles } = ts.preProcessFile(file.text, true, true);
  return importedFiles.map((imported) => imported.fileName);
}

/** The workspace a repository path belongs to: the deepest one whose folder holds it, else the root. */
export function ownerOf(path: string, all: Workspace[]): Workspace {
  let owner = all.find((workspace) => workspace.dir === '')!;
  for (const workspace of all) {
    if (workspace.dir && path.startsWith(`${workspace.dir}/`) && workspace.dir.length > owner.dir.length) {
      owner = workspace;
    }
  }
  return owner;
}

/**
 * Test code may also import the workspace's devDependencies: test files, the workspace's
 * `testing/` folder (its testing entry points, beside `src/` and outside the build), and all of the
 * root package and of the workspaces marked `slipway.tooling` (tests and benchmarks that never
 * ship, so their packages stay out of a production install).
 */
export function isTestCode(path: string, owner: Workspace): boolean {
  const inside = owner.dir ? path.slice(owner.dir.length + 1) : path;
  return (
    owner.dir === '' ||
    owner.manifest.slipway?.tooling === true ||
    /\.test\.[cm]?[jt]s$/.test(inside) ||
    inside.startsWith('testing/')
  );
}

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function declared(manifest: Manifest, withDev: boolean): Set<string> {
  return new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    ...(withDev ? Object.keys(manifest.devDependencies ?? {}) : []),
  ]);
}

function declaredBuiltins(manifest: Manifest): Set<string> {
  return new Set((manifest.slipway?.builtins ?? []).map((name) => name.replace(/^node:/, '')));
}

/**
 * The allowlist check: every import of every file must be something its own workspace declares —
 * a dependency in its package.json (devDependencies only in test code), a Node built-in listed in
 * its `slipway.builtins`, its own package name, or a relative path that stays inside the workspace.
 * The root package may also import the workspaces it lists. Returns one line per offending import.
 */
export function importOffences(files: SourceFile[], all: Workspace[]): string[] {
  const names = new Set(all.filter((workspace) => workspace.dir).map((workspace) => workspace.manifest.name));
  const offences: string[] = [];
  for (const file of files) {
    const owner = ownerOf(file.path, all);
    const where = owner.dir || '(root)';
    const testCode = isTestCode(file.path, owner);
    const allowed = declared(owner.manifest, testCode);
    const builtins = declaredBuiltins(owner.manifest);
    for (const specifier of importsOf(file)) {
      if (specifier.startsWith('.') || specifier.startsWith('/')) {
        const target = posix.normalize(posix.join(posix.dirname(file.path), specifier));
        const targetOwner = ownerOf(target, all);
        if (target.startsWith('..') || targetOwner !== owner) {
          offences.push(
            `${file.path} imports ${specifier}: a relative path into ${targetOwner.dir || 'the root package'}; import ${targetOwner.manifest.name} (or its testing entry point) instead`,
          );
        } else if (!testCode && isTestCode(target, owner)) {
          offences.push(`${file.path} imports ${specifier}: production code importing test code`);
        }
        continue;
      }
      const bare = specifier.replace(/^node:/, '');
      if (specifier.startsWith('node:') || BUILTINS.has(packageNameOf(bare)) || BUILTINS.has(bare)) {
        const module = bare.split('/')[0]!;
        if (!builtins.has(module)) {
          offences.push(
            `${file.path} imports ${specifier}: ${where} does not list "${module}" in slipway.builtins`,
          );
        }
        continue;
      }
      const name = packageNameOf(specifier);
      if (!testCode && /^@slipway\/[^/]+\/testing(?:\/|$)/.test(specifier)) {
        offences.push(`${file.path} imports ${specifier}: production code importing a testing entry point`);
        continue;
      }
      if (name === owner.manifest.name) continue;
      if (allowed.has(name)) continue;
      if (owner.dir === '' && names.has(name)) continue;
      const devOnly = Object.hasOwn(owner.manifest.devDependencies ?? {}, name);
      offences.push(
        devOnly
          ? `${file.path} imports ${specifier}: a devDependency of ${where}, allowed in tests and testing/ only`
          : `${file.path} imports ${specifier}: ${where}/package.json does not declare ${name}`,
      );
    }
  }
  return offences;
}

/** What each layer may declare at all; the import check then holds the sources to the declaration. */
export const LAYER_RULES: Record<string, { only?: string[]; never?: string[]; builtins?: 'none' }> = {
  'packages/domain': { only: ['typebox', 'xstate'], builtins: 'none' },
  'packages/ops': {
    never: ['@slipway/api', '@slipway/persistence', 'fastify', 'mongodb', 'lmdb'],
  },
  'packages/persistence': { never: ['@slipway/api', '@slipway/ops', 'fastify', 'bullmq', 'ioredis'] },
  // The client and CLI speak HTTP only: what they know of the server is its OpenAPI document.
  'packages/client': {
    never: ['@slipway/api', '@slipway/domain', '@slipway/ops', '@slipway/persistence', 'fastify', 'typebox'],
  },
};

export function layerOffences(all: Workspace[]): string[] {
  const offences: string[] = [];
  for (const [dir, rule] of Object.entries(LAYER_RULES)) {
    const workspace = all.find((candidate) => candidate.dir === dir);
    if (!workspace) {
      offences.push(`${dir} is not a workspace`);
      continue;
    }
    const production = Object.keys({
      ...workspace.manifest.dependencies,
      ...workspace.manifest.peerDependencies,
    });
    const everything = [...production, ...Object.keys(workspace.manifest.devDependencies ?? {})];
    if (rule.only) {
      for (const name of production) {
        if (!rule.only.includes(name))
          offences.push(`${dir} depends on ${name}; it may depend on ${rule.only.join(', ')} only`);
      }
    }
    for (const name of rule.never ?? []) {
      if (everything.includes(name)) offences.push(`${dir} declares ${name}, which it must not depend on`);
    }
    if (rule.builtins === 'none' && (workspace.manifest.slipway?.builtins ?? []).length > 0) {
      offences.push(
        `${dir} lists Node built-ins (${workspace.manifest.slipway?.builtins?.join(', ')}); it may use none`,
      );
    }
  }
  return offences;
}

/**
 * The image installs the root's `dependencies` only (the workspaces are bundled into dist/), so
 * every production dependency a shipped workspace declares must be there, with the same range.
 */
export function productionInstallOffences(all: Workspace[]): string[] {
  const root = all.find((workspace) => workspace.dir === '')!.manifest.dependencies ?? {};
  const names = new Set(all.map((workspace) => workspace.manifest.name));
  return all
    .filter((workspace) => workspace.dir && workspace.manifest.slipway?.tooling !== true)
    .flatMap((workspace) =>
      Object.entries(workspace.manifest.dependencies ?? {})
        .filter(([name, range]) => !names.has(name) && root[name] !== range)
        .map(
          ([name, range]) =>
            `${workspace.dir} depends on ${name}@${range}; the root has ${root[name] ?? 'none'}`,
        ),
    );
}
