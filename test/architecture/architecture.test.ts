import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import madge from 'madge';
import { describe, expect, it } from 'vitest';
import {
  importOffences,
  importsOf,
  layerOffences,
  productionInstallOffences,
  type SourceFile,
} from './support/import-allowlist';
import { ROOT, sourceFiles, type Workspace, workspaces } from './support/workspaces';

const all = workspaces();

function withManifest(dir: string, change: (manifest: Workspace['manifest']) => void): Workspace[] {
  return all.map((workspace) => {
    if (workspace.dir !== dir) return workspace;
    const manifest = structuredClone(workspace.manifest);
    change(manifest);
    return { dir, manifest };
  });
}

const file = (path: string, text: string): SourceFile => ({ path, text });

describe('architecture', () => {
  it('every import is declared by its own workspace (package.json dependencies, slipway.builtins)', () => {
    const files = sourceFiles().map((path) => file(path, readFileSync(join(ROOT, path), 'utf8')));
    expect(files.length).toBeGreaterThan(200);
    expect(importOffences(files, all)).toEqual([]);
  });

  it('each layer declares only what it may depend on (the domain: typebox and xstate, no built-ins)', () => {
    expect(layerOffences(all)).toEqual([]);
  });

  it('the root installs every production dependency of the shipped workspaces, same range', () => {
    expect(productionInstallOffences(all)).toEqual([]);
    const drifted = withManifest('packages/ops', (manifest) => {
      manifest.dependencies = { ...manifest.dependencies, bullmq: '^5.0.0' };
    });
    expect(productionInstallOffences(drifted)).toHaveLength(1);
  });

  it('keeps HTTP idempotency an API concern: no domain code uses its port', () => {
    const users = sourceFiles('packages/domain/src').filter((path) =>
      importsOf(file(path, readFileSync(join(ROOT, path), 'utf8'))).some((specifier) =>
        specifier.endsWith('/idempotency-store'),
      ),
    );
    expect(users.sort()).toEqual(['packages/domain/src/index.ts', 'packages/domain/src/ports/store.ts']);
  });

  it('has no circular imports', async () => {
    const result = await madge(
      ['apps', 'packages'].map((dir) => join(ROOT, dir)),
      {
        fileExtensions: ['ts'],
        tsConfig: join(ROOT, 'tsconfig.json'),
        excludeRegExp: [/node_modules/],
      },
    );
    expect(result.circular()).toEqual([]);
    expect(Object.keys(result.obj()).length).toBeGreaterThan(20);
  });
});

describe('the import allowlist refuses', () => {
  it.each([
    [
      'a Node built-in in the domain',
      'packages/domain/src/kinds/x.ts',
      "import { readFile } from 'node:fs';",
    ],
    ['a built-in without the node: prefix', 'packages/domain/src/kinds/x.ts', "import { join } from 'path';"],
    ['an undeclared package in the domain', 'packages/domain/src/kinds/x.ts', "import { ulid } from 'ulid';"],
    ['a driver in ops', 'packages/ops/src/local/x.ts', "import { MongoClient } from 'mongodb';"],
    ['a type-only import', 'packages/ops/src/local/x.ts', "import type { FastifyInstance } from 'fastify';"],
    ['a dynamic import', 'packages/persistence/src/x.ts', "const m = await import('bullmq');"],
    ['a re-export', 'packages/domain/src/index.ts', "export * from '@slipway/persistence';"],
    ['a devDependency in production code', 'packages/ops/src/local/x.ts', "import { it } from 'vitest';"],
    ['a devDependency in a testing/ folder inside src/', 'packages/ops/src/testing/x.ts', "import 'vitest';"],
    [
      'a deep relative import into another workspace',
      'test/engine/x.test.ts',
      "import { paths } from '../../packages/ops/src/local/paths';",
    ],
    [
      'a relative import out of bench',
      'bench/src/x.ts',
      "import { poll } from '../../test/acceptance/support/poll';",
    ],
    [
      'a testing helper in production code',
      'packages/ops/src/local/x.ts',
      "import { stepContext } from '../../testing/local/step-context';",
    ],
    ['a testing entry point in production code', 'apps/api/src/x.ts', "import '@slipway/ops/testing';"],
    [
      'a relative import into the root package',
      'packages/ops/src/x.test.ts',
      "import '../../../test/support/x';",
    ],
  ])('%s', (_what, path, text) => {
    expect(importOffences([file(path, text)], all)).toHaveLength(1);
  });

  it('and lets through what is declared', () => {
    const allowed = [
      file(
        'packages/domain/src/kinds/x.ts',
        "import { setup } from 'xstate';\nimport { Type } from 'typebox/value';",
      ),
      file('packages/ops/src/local/x.ts', "import { readFile } from 'node:fs/promises';\nimport '../paths';"),
      file('packages/ops/src/local/x.test.ts', "import { it } from 'vitest';"),
      file(
        'packages/ops/testing/x.ts',
        "import { ulid } from 'ulid';\nimport { paths } from '../src/local/paths';",
      ),
      file('test/engine/x.test.ts', "import { EngineFixture } from '@slipway/ops/testing';"),
    ];
    expect(importOffences(allowed, all)).toEqual([]);
  });

  it('a layer declaring a dependency it must not have', () => {
    const domainWithUlid = withManifest('packages/domain', (manifest) => {
      manifest.dependencies = { ...manifest.dependencies, ulid: '^3.0.2' };
    });
    const domainWithFs = withManifest('packages/domain', (manifest) => {
      manifest.slipway = { builtins: ['fs'] };
    });
    const opsWithMongo = withManifest('packages/ops', (manifest) => {
      manifest.devDependencies = { ...manifest.devDependencies, mongodb: '^6.22.0' };
    });
    expect(layerOffences(domainWithUlid)).toHaveLength(1);
    expect(layerOffences(domainWithFs)).toHaveLength(1);
    expect(layerOffences(opsWithMongo)).toHaveLength(1);
    // Once declared, the import itself passes the import check: the layer rule is what refuses it.
    expect(importOffences([file('packages/domain/src/x.ts', "import 'ulid';")], domainWithUlid)).toEqual([]);
  });
});
