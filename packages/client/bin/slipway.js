#!/usr/bin/env node
// `npx slipway`: runs the bundled CLI (dist/slipway.js), building dist/ first when a source changed,
// as `npm start` does, so it works right after `npm install` without a separate build.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const build = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--if-needed'], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
if (build.status !== 0) process.exit(build.status ?? 1);
await import(pathToFileURL(join(root, 'dist/slipway.js')).href);
