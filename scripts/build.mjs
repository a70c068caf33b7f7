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
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

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
    // esbuild is a production dependency (the CLI builds on first use); an install without it
    // (--omit=optional drops its binary) can still run the dist/ it was given.
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
  // Built beside the output and swapped in, so a reader never finds a half-written dist/.
  const outdir = join(ROOT, target.outdir);
  const staging = `${target.outdir}.build-${process.pid}`;
  await rm(join(ROOT, staging), { recursive: true, force: true });
  const started = Date.now();
  try {
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: target.entries,
      outdir: join(ROOT, staging),
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
    // The metafile names the staging directory; `upToDate` checks the outputs where they end up.
    const outputs = Object.fromEntries(
      Object.entries(result.metafile.outputs).map(([file, output]) => [
        file.replace(`${staging}/`, `${target.outdir}/`),
        output,
      ]),
    );
    await writeFile(join(ROOT, staging, 'meta.json'), JSON.stringify({ ...result.metafile, outputs }));
    const old = `${outdir}.old-${process.pid}`;
    if (existsSync(outdir)) await rename(outdir, old);
    await rename(join(ROOT, staging), outdir);
    await rm(old, { recursive: true, force: true });
  } finally {
    await rm(join(ROOT, staging), { recursive: true, force: true });
  }
  const names = Object.keys(target.entries).map((name) => `${target.outdir}/${name}.js`);
  console.error(`build: ${names.join(', ')} in ${Date.now() - started} ms`);
}

/**
 * One build of a target at a time, across processes (two first `npx slipway` runs, `npm start`
 * beside them): the lock is a directory, whose creation is atomic, holding the builder's pid. A
 * lock whose builder is gone (killed mid-build) is taken over.
 */
async function withBuildLock(target, build) {
  const lock = join(ROOT, `${target.outdir}.lock`);
  await mkdir(join(lock, '..'), { recursive: true });
  for (let waited = 0; ; waited += 1) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      if (await abandoned(lock)) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      if (waited === 0) console.error(`build: waiting for the build of ${target.outdir}/ in progress`);
      await delay(100);
    }
  }
  try {
    await writeFile(join(lock, 'pid'), String(process.pid));
    await build();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function abandoned(lock) {
  const pid = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => ''));
  if (!pid) {
    // Created but its pid not written yet, or never: only a lock that old is given up on.
    const created = await stat(lock).catch(() => null);
    return created !== null && Date.now() - created.mtimeMs > 60_000;
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return error.code === 'ESRCH';
  }
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
  // Checked again under the lock: a build that ran while this one waited leaves nothing to do.
  await withBuildLock(target, async () => {
    if (args.has('--if-needed') && upToDate(target)) return;
    await bundle(target);
  });
}
