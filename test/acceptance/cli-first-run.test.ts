import { spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { REPO_ROOT } from './support/slipway-process';

/**
 * `npx slipway` builds dist/ on first use. Two first runs at once (two terminals, or a script that
 * starts two) must not race: one builds, the other waits for it, and both run the CLI. This runs in
 * a copy of the repository without dist/ (its node_modules linked), so the real dist/ of the
 * other tests is never touched.
 */
let copy = '';
afterAll(async () => {
  if (copy) await rm(copy, { recursive: true, force: true });
});

function run(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', fail);
    child.once('exit', (code) => done({ code, stdout, stderr }));
  });
}

it('two concurrent first runs of the bin build dist/ once, atomically, and both run the CLI', async () => {
  copy = await mkdtemp(join(tmpdir(), 'slipway-first-run-'));
  const skip = new Set(['node_modules', 'dist', '.tmp', '.tools', '.venv', '.slipway', '.git']);
  for (const entry of ['package.json', 'package-lock.json', 'scripts', 'packages', 'apps']) {
    await cp(join(REPO_ROOT, entry), join(copy, entry), {
      recursive: true,
      filter: (source) =>
        !relative(REPO_ROOT, source)
          .split('/')
          .some((part) => skip.has(part)),
    });
  }
  await symlink(join(REPO_ROOT, 'node_modules'), join(copy, 'node_modules'));
  const bin = join(copy, 'packages/client/bin/slipway.js');
  const runs = await Promise.all([run([bin, '--help'], copy), run([bin, '--help'], copy)]);
  for (const result of runs) {
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Usage: slipway/);
  }
  const builds =
    runs
      .map((result) => result.stderr)
      .join('')
      .match(/^build: dist\/main\.js/gm) ?? [];
  expect(builds, runs.map((result) => result.stderr).join('\n')).toHaveLength(1);
  // Nothing of the build is left beside dist/ (no staging directory, no lock), and dist/ is whole.
  expect((await readdir(copy)).filter((name) => name.startsWith('dist'))).toEqual(['dist']);
  const meta = JSON.parse(await readFile(join(copy, 'dist/meta.json'), 'utf8')) as { outputs: object };
  const outputs = Object.keys(meta.outputs);
  expect(outputs).toContain('dist/slipway.js');
  const present = new Set((await readdir(join(copy, 'dist'))).map((name) => `dist/${name}`));
  for (const output of outputs) expect(present.has(output), output).toBe(true);
  // A third run finds it up to date and builds nothing.
  const again = await run([bin, '--help'], copy);
  expect(again.code).toBe(0);
  expect(again.stderr).not.toMatch(/^build:/m);
}, 180_000);
