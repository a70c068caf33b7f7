import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import madge from 'madge';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const FORBIDDEN_IN_DOMAIN = [
  'fastify',
  '@fastify/',
  'mongodb',
  'bullmq',
  'ioredis',
  'lmdb',
  '@aws-sdk/',
  'pino',
  '@slipway/ops',
  '@slipway/persistence',
  '@slipway/api',
];

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

function importsOf(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(
    /(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
  )) {
    found.push((match[1] ?? match[2])!);
  }
  return found;
}

describe('architecture', () => {
  it('keeps packages/domain free of drivers, SDKs, web frameworks and outer layers', async () => {
    const offenders: string[] = [];
    for (const file of await sourceFiles(join(ROOT, 'packages/domain/src'))) {
      for (const specifier of importsOf(await readFile(file, 'utf8'))) {
        if (FORBIDDEN_IN_DOMAIN.some((banned) => specifier === banned || specifier.startsWith(banned))) {
          offenders.push(`${relative(ROOT, file)} imports ${specifier}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('keeps ops and persistence from importing the API, and each other', async () => {
    const offenders: string[] = [];
    const rules: [string, string[]][] = [
      ['packages/ops/src', ['@slipway/api', '@slipway/persistence', 'fastify']],
      ['packages/persistence/src', ['@slipway/api', '@slipway/ops', 'fastify']],
    ];
    for (const [dir, banned] of rules) {
      for (const file of await sourceFiles(join(ROOT, dir))) {
        for (const specifier of importsOf(await readFile(file, 'utf8'))) {
          if (banned.some((name) => specifier.startsWith(name)))
            offenders.push(`${relative(ROOT, file)} imports ${specifier}`);
        }
      }
    }
    expect(offenders).toEqual([]);
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
