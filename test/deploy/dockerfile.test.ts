import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { OutputBuffer } from '@slipway/acceptance/support/output-buffer';
import { pollUntil } from '@slipway/acceptance/support/poll';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  execForm,
  flagsOf,
  instructionsOf,
  parseStages,
  runCommands,
  type Stage,
} from './support/dockerfile-stages';

/**
 * No Docker engine runs on the CI machines, so the image is checked in two ways: the Dockerfile's
 * stages are parsed and held to what production needs, and the final stage's package set is
 * reproduced for real — its install command run in a temp dir, the build's dist/ copied in —
 * and the server started from there, where no dev dependency (tsx, vitest…) exists. (esbuild is a
 * production dependency, for a checkout's first `npx slipway`; the image carries it unused.)
 */
const ROOT = resolve(import.meta.dirname, '../..');
const { stages } = parseStages(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const runtime = stages.at(-1)!;
const run = promisify(execFile);

function stageNamed(name: string): Stage {
  const stage = stages.find((candidate) => candidate.name === name);
  if (!stage) throw new Error(`no stage named ${name} in the Dockerfile`);
  return stage;
}

/** COPY sources and destination; `from` is the stage named by --from, if any. */
function copies(stage: Stage): { from: string | null; sources: string[]; destination: string }[] {
  return instructionsOf(stage, 'COPY').map((copy) => {
    const words = copy.getArguments().map((argument) => argument.getValue());
    return {
      from: flagsOf(copy).get('from') ?? null,
      sources: words.slice(0, -1),
      destination: words.at(-1)!,
    };
  });
}

function rootManifest(): { dependencies: Record<string, string>; workspaces: string[] } {
  return JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
}

/** The package names of the workspaces (apps/api → @slipway/api, examples/hello-app → hello-app, …). */
function workspaceNames(): string[] {
  return rootManifest().workspaces.map(
    (path) => (JSON.parse(readFileSync(join(ROOT, path, 'package.json'), 'utf8')) as { name: string }).name,
  );
}

function npmCommands(stage: Stage): string[] {
  return instructionsOf(stage, 'RUN')
    .flatMap(runCommands)
    .filter((command) => /^npm\b/.test(command));
}

describe('Dockerfile', () => {
  it('builds in stages; the final one runs Node 24 LTS as a non-root user, node under tini', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    // Pinned to a full version, so a rebuild gets the same Node.
    expect(runtime.image).toMatch(/^node:24\.\d+\.\d+-/);
    const users = instructionsOf(runtime, 'USER').map((user) => user.getArgumentsContent()?.trim());
    expect(users.length, 'a USER in the final stage').toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    const [entrypoint] = instructionsOf(runtime, 'ENTRYPOINT');
    expect(execForm(entrypoint!)).toEqual(['/usr/bin/tini', '--']);
    const [cmd] = instructionsOf(runtime, 'CMD');
    expect(execForm(cmd!)).toEqual(['node', '--enable-source-maps', 'dist/main.js']);
  });

  it('checks health on the readiness endpoint', () => {
    const checks = instructionsOf(runtime, 'HEALTHCHECK');
    expect(checks).toHaveLength(1);
    const content = checks[0]!.getArgumentsContent() ?? '';
    const command = JSON.parse(content.slice(content.indexOf('CMD') + 3)) as string[];
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    expect(command[2]).toContain("'http://127.0.0.1:' + process.env.PORT + '/health/ready'");
  });

  it('gives the final stage production dependencies only and the build output, and installs nothing in it', () => {
    expect(npmCommands(runtime), 'npm commands in the final stage').toEqual([]);
    const fromStages = copies(runtime);
    const modules = fromStages.find((copy) => copy.destination.replace(/\/$/, '').endsWith('node_modules'));
    expect(modules?.from, 'node_modules copied from another stage').toBeTruthy();
    const deps = stageNamed(modules!.from!);
    expect(npmCommands(deps)).toContain('npm ci --omit=dev');
    expect(npmCommands(deps).filter((command) => /^npm (ci|install|i)\b/.test(command))).toEqual([
      'npm ci --omit=dev',
    ]);
    // Only the manifests: the workspaces reach the image compiled into dist/, not as sources.
    expect(copies(deps).flatMap((copy) => copy.sources)).toEqual(['package.json', 'package-lock.json']);
    const dist = fromStages.find((copy) => copy.sources.includes('/app/dist'));
    expect(npmCommands(stageNamed(dist!.from!))).toContain('npm run build');
  });

  describe("the final stage's package set, reproduced in a temp dir", () => {
    let dir = '';
    let installed = '';

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'slipway-prod-install-'));
      const deps = stageNamed(
        copies(runtime).find((copy) => copy.destination.endsWith('node_modules'))!.from!,
      );
      for (const copy of copies(deps)) {
        for (const source of copy.sources) await cp(join(ROOT, source), join(dir, source));
      }
      // The stage's install, as written; prefer-offline reuses the npm cache the repo's install filled.
      for (const command of npmCommands(deps).filter((line) => line.startsWith('npm ci'))) {
        const result = await run('sh', ['-c', command], {
          cwd: dir,
          env: { ...process.env, npm_config_prefer_offline: 'true' },
          maxBuffer: 16 * 1024 * 1024,
        });
        installed += result.stdout + result.stderr;
      }
      // What the final stage copies from the build stage (dist/, examples/), taken from this checkout.
      for (const copy of copies(runtime).filter((entry) => entry.from && stageNamed(entry.from) !== deps)) {
        for (const source of copy.sources) {
          const path = source.replace(/^\/app\//, '');
          await cp(join(ROOT, path), join(dir, path), { recursive: true });
        }
      }
    }, 240_000);

    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('holds no dev dependency, and npm ls --omit=dev finds the production tree complete', async () => {
      const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
        packages: Record<string, { dev?: boolean }>;
      };
      const devOnly = Object.entries(lock.packages)
        .filter(([path, entry]) => entry.dev && path.startsWith('node_modules/'))
        .map(([path]) => path);
      expect(devOnly.length, 'the lockfile marks dev-only packages').toBeGreaterThan(0);
      expect(
        devOnly.filter((path) => existsSync(join(dir, path))),
        installed,
      ).toEqual([]);
      for (const name of ['tsx', 'vitest', 'typescript', '@biomejs/biome', 'testcontainers']) {
        expect(existsSync(join(dir, 'node_modules', name)), name).toBe(false);
      }
      // npm ls exits 1 for any problem; the workspaces are compiled into dist/ and deliberately absent.
      const ls = await run('npm', ['ls', '--omit=dev', '--all', '--json'], {
        cwd: dir,
        maxBuffer: 16 * 1024 * 1024,
      }).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
      const tree = JSON.parse(ls.stdout) as {
        problems?: string[];
        dependencies: Record<string, { missing?: boolean; version?: string }>;
      };
      const workspaces = new Set(workspaceNames());
      const missing = Object.entries(tree.dependencies).filter(([, entry]) => entry.missing);
      expect(missing.map(([name]) => name).filter((name) => !workspaces.has(name))).toEqual([]);
      const aboutWorkspace = (problem: string) =>
        workspaces.has(/^missing: (@?[^@]+)@/.exec(problem)?.[1] ?? '');
      expect((tree.problems ?? []).filter((problem) => !aboutWorkspace(problem))).toEqual([]);
      const rootDependencies = Object.keys(rootManifest().dependencies);
      for (const name of rootDependencies) expect(tree.dependencies[name]?.version, name).toBeDefined();
    });

    it('starts the compiled server from dist/ and answers GET /health/ready with 200; SIGTERM exits 0', async () => {
      const dataDir = join(dir, 'data');
      const env: NodeJS.ProcessEnv = { ...process.env };
      for (const name of ['MONGO_URL', 'REDIS_URL', 'AWS_REGION', 'AWS_ENDPOINT_URL', 'NODE_OPTIONS'])
        delete env[name];
      const [, ...args] = execForm(instructionsOf(runtime, 'CMD')[0]!);
      const child = spawn(process.execPath, args, {
        cwd: dir,
        env: {
          ...env,
          NODE_ENV: 'production',
          HOST: '127.0.0.1',
          PORT: '0',
          SLIPWAY_DATA_DIR: dataDir,
          SLIPWAY_ADMIN_TOKEN: 'image-test-admin-token-0123456789',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const stderr = new OutputBuffer();
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.append(chunk));
      const exited = once(child, 'exit');
      const exitedEarly = exited.then(([code]) => {
        throw new Error(`the server exited ${code} before it listened:\n${stderr}`);
      });
      exitedEarly.catch(() => {}); // reported by the race below; its exit after SIGTERM is expected
      try {
        const baseUrl = await Promise.race([
          pollUntil(
            'the server to log where it listens',
            async () => /slipway: listening on (http:\/\/\S+)/.exec(stderr.toString())?.[1],
            { timeoutMs: 60_000, describe: () => stderr.toString() },
          ),
          exitedEarly,
        ]);
        const ready = await fetch(`${baseUrl}/health/ready`);
        expect(ready.status, await ready.text()).toBe(200);
      } finally {
        child.kill('SIGTERM');
      }
      const [code, signal] = await exited;
      expect({ code, signal }, stderr.toString()).toEqual({ code: 0, signal: null });
    });

    it('has the balancer program the local cluster provider spawns, runnable without tsx', async () => {
      const balancer = await run(process.execPath, ['dist/balancer-main.js'], { cwd: dir }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => error,
      );
      // Started by hand it refuses for want of its configuration: proof that it loaded.
      expect(balancer.code).toBe(2);
      expect(balancer.stderr).toContain('SLIPWAY_BALANCER_SERVICE is not set');
    });
  });
});
