#!/usr/bin/env node
// `npm run build`: bundles each program Slipway ships into one ESM file under dist/ with esbuild.
// A bundler rather than `tsc -b`: the sources import each other without file extensions and the
// workspaces export their TypeScript sources, so tsc output would not run in Node without
// rewriting every import; esbuild follows the workspace exports as the tests and tsx do. npm
// dependencies stay external (node_modules, production only); the workspaces are compiled in.
// Types are checked by `npm run typecheck`, not here.
//
//   node scripts/build.mjs                    build dist/
//   node scripts/build.mjs --if-needed        build only when a source is newer than dist/
//   node scripts/build.mjs --test-programs    also the test-only programs, into .tmp/test-programs
import { existsSync, readFileSync, statSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

/** Shipped programs: the API, the worker, the balancer the local cluster provider spawns, and the CLI. */
const PRODUCT = {
  outdir: 'dist',
  entries: {
    main: 'apps/api/src/main.ts',
    'worker-main': 'apps/api/src/worker-main.ts',
    // Spawned by packages/ops/src/local/cluster/balancer-program.ts from beside the bundle that runs.
    'balancer-main': 'packages/ops/src/local/cluster/balancer/balancer-main.ts',
    // The CLI (packages/client/bin/slipway.js runs it, building first if needed).
    slipway: 'packages/client/src/cli/main.ts',
  },
};

/** Programs only the tests and benchmarks start as child processes. */
const TEST_PROGRAMS = {
  outdir: '.tmp/test-programs',
  entries: {
    'bullmq-worker-process': 'test/executors/support/bullmq-worker-process.ts',
    'bare-fastify-server': 'bench/src/bare-fastify-server.ts',
  },
};

/**
 * True when the last build's outputs exist and none of the files it read (recorded in its
 * metafile), the lockfile or this script changed since.
 */
function upToDate(target) {
  const metaFile = join(ROOT, target.outdir, 'meta.json');
  if (!existsSync(metaFile)) return false;
  const builtAt = statSync(metaFile).mtimeMs;
  const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
  const outputs = Object.keys(meta.outputs).map((file) => join(ROOT, file));
  const inputs = [...Object.keys(meta.inputs), 'package-lock.json', 'scripts/build.mjs'].map((file) =>
    join(ROOT, file),
  );
  return (
    outputs.every((file) => existsSync(file)) &&
    inputs.every((file) => existsSync(file) && statSync(file).mtimeMs <= builtAt)
  );
}

async function bundle(target) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    // A production install (npm ci --omit=dev) has no esbuild; it runs the dist/ it was given.
    if (existsSync(join(ROOT, target.outdir, 'meta.json'))) {
      console.error(
        `build: esbuild is not installed (production install); using the existing ${target.outdir}/`,
      );
      return;
    }
    console.error(
      `build: esbuild is not installed and ${target.outdir}/ is missing: run \`npm install\` first`,
    );
    process.exit(1);
  }
  const outdir = join(ROOT, target.outdir);
  await rm(outdir, { recursive: true, force: true });
  const started = Date.now();
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: target.entries,
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.18',
    sourcemap: 'linked',
    // Class and function names stay as written (error names, logs) although modules share a scope.
    keepNames: true,
    metafile: true,
    logLevel: 'warning',
    plugins: [externalDependencies],
  });
  await writeFile(join(outdir, 'meta.json'), JSON.stringify(result.metafile));
  const names = Object.keys(target.entries).map((name) => `${target.outdir}/${name}.js`);
  console.error(`build: ${names.join(', ')} in ${Date.now() - started} ms`);
}

/** npm packages are imported from node_modules at run time; only the @slipway workspaces are bundled. */
const externalDependencies = {
  name: 'external-dependencies',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (resolveArgs) =>
      resolveArgs.path.startsWith('@slipway/') ? undefined : { path: resolveArgs.path, external: true },
    );
  },
};

const args = new Set(process.argv.slice(2));
const targets = args.has('--test-programs') ? [PRODUCT, TEST_PROGRAMS] : [PRODUCT];
for (const target of targets) {
  if (args.has('--if-needed') && upToDate(target)) continue;
  await bundle(target);
}
