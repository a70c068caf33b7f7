import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { ImageSpec, StepOutcome } from '@slipway/domain';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { until } from '../../testing/local/poll';
import { stepContext } from '../../testing/local/step-context';
import { httpAnswers } from '../verify/http-answers';
import { processRunning } from '../verify/process-running';
import { MAX_LINE_BYTES } from './bounded-lines';
import { localImageProvider } from './local-image-provider';

const HELLO_APP = resolve(import.meta.dirname, '../../../../examples/hello-app');

describe('localImageProvider', () => {
  let root: string;
  let dataDir: string;
  let source: string;
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'slipway-image-')));
    dataDir = join(root, 'data');
    source = join(root, 'app');
    await mkdir(source);
    await writeFile(join(source, 'server.js'), 'console.log("hi")\n');
  });
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  });

  const provider = (options: { sourceRoots?: string[] } = {}) =>
    localImageProvider({ dataDir, cwd: root, killGraceMs: 500, ...options });
  const appDir = (id = 'img-test') => join(dataDir, 'images', id, 'app');
  const build = (spec: ImageSpec, signal?: AbortSignal) => {
    const context = stepContext(spec, { signal });
    return { context, outcome: provider().steps.build!(context) };
  };
  const errorOf = (outcome: StepOutcome) => (outcome.ok ? null : outcome.error);

  it('builds examples/hello-app with its version, and the image serves that version', async () => {
    const { context, outcome } = build({
      source: HELLO_APP,
      build: 'npm run build',
      start: 'node server.js',
      version: '2.3.4',
    });
    const result = await outcome;
    if (!result.ok)
      throw new Error(`${result.error.code}: ${result.error.message}\n${context.lines.join('\n')}`);
    expect(readFileSync(join(appDir(), 'VERSION'), 'utf8').trim()).toBe('2.3.4');
    expect(result.outputs).toMatchObject({ path: appDir(), version: '2.3.4' });
    expect(result.outputs.files).toBeGreaterThanOrEqual(4);
    expect(result.outputs.sizeBytes).toBeGreaterThan(0);
    expect(result.outputs.buildSeconds).toBeGreaterThan(0);
    expect(result.outputs.checks).toEqual([
      expect.objectContaining({ ok: true, name: `directory ${appDir()} exists and is not empty` }),
      expect.objectContaining({ ok: true, name: `file ${join(appDir(), 'server.js')} exists` }),
    ]);
    expect(context.lines).toContain('hello-app build: wrote VERSION 2.3.4');

    // The image is only as good as the app it starts: run it and ask.
    const server = spawn(process.execPath, ['server.js'], {
      cwd: appDir(),
      env: { ...process.env, PORT: '0' },
    });
    children.push(server);
    const [line] = await once(createInterface({ input: server.stdout }), 'line');
    const port = /listening on port (\d+)/.exec(String(line))?.[1];
    const answer = await httpAnswers({
      url: `http://127.0.0.1:${port}/`,
      jsonField: { path: 'version', equals: '2.3.4' },
      timeoutMs: 2000,
    });
    expect(answer.message).toContain('answered 200');
  });

  it('passes 0.0.0 as the version when the spec gives none, and leaves out only the top-level .git', async () => {
    await mkdir(join(source, '.git'));
    await writeFile(join(source, '.git', 'HEAD'), 'ref');
    await mkdir(join(source, 'lib', '.git'), { recursive: true });
    await writeFile(join(source, 'lib', '.git', 'keep'), '');
    const result = await build({ source: 'app', build: 'printf "$SLIPWAY_IMAGE_VERSION" > VERSION' }).outcome;
    expect(result).toMatchObject({ ok: true, outputs: { version: '0.0.0' } });
    expect(readFileSync(join(appDir(), 'VERSION'), 'utf8')).toBe('0.0.0');
    expect(existsSync(join(appDir(), '.git'))).toBe(false);
    expect(existsSync(join(appDir(), 'lib', '.git', 'keep'))).toBe(true);
  });

  it('fails a build that exits 3, naming the exit code and the last stderr line, with the output logged', async () => {
    const { context, outcome } = build({
      source: 'app',
      build: 'echo compiling; echo "error: cannot find module left-pad" >&2; exit 3',
    });
    const error = errorOf(await outcome);
    expect(error?.code).toBe('build_failed');
    expect(error?.message).toContain('exited with code 3');
    expect(error?.message).toContain('last stderr line: "error: cannot find module left-pad"');
    expect(context.lines).toEqual(
      expect.arrayContaining(['compiling', 'error: cannot find module left-pad']),
    );
  });

  it('stops a slow build when the run is cancelled, leaving none of its processes running', async () => {
    const controller = new AbortController();
    const { outcome } = build(
      { source: 'app', build: 'echo $$ > shell.pid; sleep 30 & echo $! > sleep.pid; wait' },
      controller.signal,
    );
    await until(() => existsSync(join(appDir(), 'sleep.pid')));
    const abortedAt = performance.now();
    controller.abort('cancel');
    const error = errorOf(await outcome);
    expect(performance.now() - abortedAt).toBeLessThan(3000);
    expect(error).toMatchObject({
      code: 'cancelled',
      message: expect.stringContaining('process group was killed'),
    });
    for (const file of ['shell.pid', 'sleep.pid']) {
      const pid = Number(await readFile(join(appDir(), file), 'utf8'));
      expect(await processRunning(pid)).toMatchObject({ ok: false });
    }

    // Cleanup after the cancel removes the partial image.
    await provider().cleanup!(stepContext({ source: 'app', build: 'true' }));
    expect(existsSync(join(dataDir, 'images', 'img-test'))).toBe(false);
  });

  it('survives a build printing 600 MB without a newline: the line is cut and memory stays bounded', async () => {
    // Long enough to exceed V8's longest string: reading it as one line threw RangeError in the server.
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss());
    }, 10);
    const { context, outcome } = build({
      source: 'app',
      build: 'head -c 629145600 /dev/zero | tr "\\0" a; echo; echo done',
    });
    const result = await outcome.finally(() => clearInterval(sampler));
    expect(result.ok).toBe(true);
    const long = context.lines.find((line) => line.startsWith('aaaa'));
    expect(long).toBe(`${'a'.repeat(MAX_LINE_BYTES)}… (${629145600 - MAX_LINE_BYTES} more bytes cut)`);
    expect(context.lines).toContain('done');
    // The old reader held the whole line (and copies of it): 400 MB took the RSS up by 700 MB.
    expect(peak - baseline).toBeLessThan(200 * 1024 * 1024);
  });

  it("keeps the API's secrets out of a build's environment and so out of its log", async () => {
    const secrets = { SLIPWAY_ADMIN_TOKEN: 'admin-token-1234567890', MONGO_URL: 'mongodb://user:pw@db/x' };
    const saved = { ...process.env };
    Object.assign(process.env, secrets);
    try {
      const { context, outcome } = build({
        source: 'app',
        build: 'env | grep -i -e slipway -e mongo; node -e "console.log(process.version)"',
      });
      expect((await outcome).ok).toBe(true);
      expect(context.lines.join('\n')).not.toContain('admin-token-1234567890');
      expect(context.lines.join('\n')).not.toContain('user:pw');
      expect(context.lines).toContain('SLIPWAY_IMAGE_VERSION=0.0.0');
      expect(context.lines).toContain(process.version);
    } finally {
      process.env = saved;
    }
  });

  it('kills a daemon the build started in its own session once the build ends', async () => {
    const { context, outcome } = build({
      source: 'app',
      build: `setsid sh -c 'echo $$ > "$PWD/daemon.pid"; exec sleep 7778' >/dev/null 2>&1 &
        until [ -s daemon.pid ]; do sleep 0.05; done`,
    });
    expect((await outcome).ok).toBe(true);
    const daemon = Number(readFileSync(join(appDir(), 'daemon.pid'), 'utf8'));
    expect(await processRunning(daemon)).toMatchObject({ ok: false });
    expect(context.lines).toContainEqual(
      expect.stringMatching(/^killed 1 process\(es\) the build left running \((cgroup|tracked)\)$/),
    );
  });

  it('fails a build that outlives timeoutSeconds', async () => {
    const startedAt = performance.now();
    const error = errorOf(await build({ source: 'app', build: 'sleep 30', timeoutSeconds: 1 }).outcome);
    expect(performance.now() - startedAt).toBeLessThan(4000);
    expect(error?.code).toBe('build_timeout');
    expect(error?.message).toContain('did not finish within 1s');
  });

  it('fails verification when the start file is missing or the build left nothing', async () => {
    const missing = errorOf(
      await build({ source: 'app', build: 'true', start: 'node --enable-source-maps dist/main.js' }).outcome,
    );
    expect(missing?.code).toBe('verification_failed');
    expect(missing?.message).toContain(`expected a file at ${join(appDir(), 'dist/main.js')}, found nothing`);

    const empty = errorOf(await build({ source: 'app', build: 'rm -f server.js' }).outcome);
    expect(empty?.message).toContain('found it empty');
  });

  it('refuses a missing source, and one outside the allowed roots, also through a symlink', async () => {
    const allowed = join(root, 'allowed');
    await mkdir(allowed);
    await symlink(source, join(allowed, 'link'));
    const restricted = provider({ sourceRoots: ['allowed'] });

    const outside = await restricted.steps.build!(stepContext({ source: 'app', build: 'true' }));
    expect(errorOf(outside)).toMatchObject({ code: 'source_not_allowed' });
    expect(errorOf(outside)?.message).toContain(`outside the allowed source roots (${allowed})`);
    const viaLink = await restricted.steps.build!(stepContext({ source: 'allowed/link', build: 'true' }));
    expect(errorOf(viaLink)?.code).toBe('source_not_allowed');

    const missing = await provider().steps.build!(stepContext({ source: 'nope', build: 'true' }));
    expect(errorOf(missing)).toMatchObject({ code: 'source_missing' });
    expect(existsSync(dataDir)).toBe(false);
  });

  it('validates a spec with messages that say what to fix', () => {
    const validate = (spec: ImageSpec, options = {}) => provider(options).validateSpec!(spec);
    expect(validate({ source: '/nope', build: 'true' })).toEqual([
      'spec.source: "/nope" is not a directory: nothing exists at /nope',
    ]);
    expect(validate({ source: 'app/server.js', build: 'true' })).toEqual([
      `spec.source: "app/server.js" is not a directory: ${join(source, 'server.js')} is a file`,
    ]);
    expect(validate({ source: '/', build: 'true' })[0]).toContain('is the filesystem root');
    // A path segment longer than the filesystem allows must be refused, not thrown (found by fuzzing).
    expect(validate({ source: '0'.repeat(1000), build: 'true' })[0]).toContain(
      'cannot be read (ENAMETOOLONG)',
    );
    expect(validate({ source: '.', build: 'true' })[0]).toContain(
      `contains Slipway's data directory ${dataDir}`,
    );
    expect(validate({ source: 'app', build: 'true' }, { sourceRoots: ['elsewhere'] })[0]).toContain(
      'outside the allowed source roots',
    );
    expect(validate({ source: 'app', build: 'true' }, { sourceRoots: [root] })).toEqual([]);
  });

  it('starts clean when retried after a crash left a partial copy and a build still running', async () => {
    const imageDir = join(dataDir, 'images', 'img-test');
    await mkdir(join(imageDir, 'app', 'half'), { recursive: true });
    await writeFile(join(imageDir, 'app', 'half', 'copied.js'), '');
    const orphan = spawn('sleep', ['30'], {
      cwd: join(imageDir, 'app'),
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, SLIPWAY_IMAGE_DIR: imageDir },
    });
    children.push(orphan);
    await writeFile(join(imageDir, 'build.pid'), `${orphan.pid}\n`);

    const { context, outcome } = build({ source: 'app', build: 'true' });
    expect(await outcome).toMatchObject({ ok: true, outputs: { files: 1 } });
    expect(await readdir(appDir())).toEqual(['server.js']);
    expect(await processRunning(orphan.pid!)).toMatchObject({ ok: false });
    expect(context.lines[0]).toContain('stopped the build left running by an earlier attempt');
    expect(existsSync(join(imageDir, 'build.pid'))).toBe(false);
  });

  it('after a crash, also stops what the earlier build started outside its process group', async () => {
    const imageDir = join(dataDir, 'images', 'img-test');
    await mkdir(join(imageDir, 'app'), { recursive: true });
    const spawnMarked = () => {
      const child = spawn('sleep', ['30'], {
        cwd: '/',
        detached: true,
        stdio: 'ignore',
        env: { PATH: process.env.PATH, SLIPWAY_IMAGE_DIR: imageDir },
      });
      children.push(child);
      return child.pid!;
    };
    const leader = spawnMarked();
    const escaped = spawnMarked();
    await writeFile(join(imageDir, 'build.pid'), `${leader}\n`);

    expect((await build({ source: 'app', build: 'true' }).outcome).ok).toBe(true);
    expect(await processRunning(leader)).toMatchObject({ ok: false });
    expect(await processRunning(escaped)).toMatchObject({ ok: false });
  });

  it('destroys an image, and destroying it again still succeeds', async () => {
    expect((await build({ source: 'app', build: 'true' }).outcome).ok).toBe(true);
    const destroy = () =>
      provider().steps.destroy!(stepContext({ source: 'app', build: 'true' }, { step: 'destroy' }));
    const first = await destroy();
    expect(first).toMatchObject({
      ok: true,
      outputs: { path: null, removed: join(dataDir, 'images', 'img-test') },
    });
    expect(existsSync(join(dataDir, 'images', 'img-test'))).toBe(false);
    expect(await destroy()).toMatchObject({
      ok: true,
      outputs: { checks: [expect.objectContaining({ ok: true })] },
    });
  });

  it('refuses a resource id that would name a directory outside the data directory', async () => {
    const context = stepContext({ source: 'app', build: 'true' }, { id: '../escape' });
    await expect(provider().steps.destroy!(context)).rejects.toThrow('cannot name a directory');
  });
});
