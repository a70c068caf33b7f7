import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, versionAt } from './support/cluster-api';
import { pollUntil } from './support/poll';
import { acceptsConnections } from './support/port-probe';
import { killProcessesWithin, processesWithin } from './support/process-table';
import { REPO_ROOT, SlipwayProcess, stopAllSlipways } from './support/slipway-process';

/**
 * The README's walkthrough, as written: the blocks marked `<!-- walkthrough -->` (and the curl
 * one) are read from README.md and run with bash, in order, against a real server, so the README
 * cannot drift from what the CLI and the API do.
 */
let server: SlipwayProcess;
let configDir: string;
let webPort: number;
let blocks: { marker: string; script: string }[];

beforeAll(async () => {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  blocks = [...readme.matchAll(/<!-- walkthrough(?:: (\w+))? -->\n```sh\n([\s\S]*?)```/g)].map((match) => ({
    marker: match[1] ?? 'cli',
    script: match[2]!,
  }));
  // As a newcomer starts it: no token configured, so it prints the one it generates.
  server = await SlipwayProcess.start({ token: null });
  configDir = await mkdtemp(join(tmpdir(), 'slipway-cli-config-'));
  webPort = await freePort();
}, 120_000);

afterAll(async () => {
  if (server) await killProcessesWithin(server.dataDir);
  await stopAllSlipways();
  if (configDir) await rm(configDir, { recursive: true, force: true });
});

/**
 * A newcomer's shell: nothing of Slipway's in the environment (the blocks find the URL and token
 * where `slipway login` saved them), a config directory of their own, and WEB_PORT, which the
 * README offers, so the balancer takes a free port rather than 8080 on a shared machine.
 */
function newcomerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env))
    if (!name.startsWith('SLIPWAY_')) env[name] = value;
  return { ...env, XDG_CONFIG_HOME: configDir, WEB_PORT: String(webPort) };
}

function bash(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn('bash', ['-c', script], {
      cwd: REPO_ROOT,
      env: newcomerEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', fail);
    child.once('exit', (code) => done({ code, stdout, stderr }));
  });
}

async function runBlock(index: number): Promise<string> {
  const block = blocks[index]!;
  const result = await bash(block.script);
  expect(
    result.code,
    `README block ${index + 1} (${block.marker}) failed:\n${result.stdout}\n${result.stderr}\n${server.describe()}`,
  ).toBe(0);
  return result.stdout;
}

it('the README has the login step, the CLI walkthrough (image, blue/green, clean-up) and the curl one, each marked', () => {
  expect(blocks.map((block) => block.marker)).toEqual(['login', 'cli', 'cli', 'cli', 'curl']);
  for (const block of blocks.slice(1, 4)) expect(block.script).toMatch(/npx slipway /);
});

it('logs in as the README says, with the URL and the token the server printed at its first start', async () => {
  const login = blocks[0]!;
  // The two things the newcomer fills in: where the server is, and the token it printed.
  expect(login.script).toContain('http://127.0.0.1:7070');
  expect(login.script).toContain('slw_...');
  expect(server.token).toMatch(/^slw_/);
  blocks[0] = {
    ...login,
    script: login.script.replace('http://127.0.0.1:7070', server.baseUrl).replace('slw_...', server.token),
  };
  const out = await runBlock(0);
  expect(out).toContain(`logged in to ${server.baseUrl}`);
  expect((await stat(join(configDir, 'slipway', 'config.json'))).mode & 0o777).toBe(0o600);
}, 60_000);

it('bakes, audits and destroys an image with the CLI, as written', async () => {
  const out = await runBlock(1);
  expect(out).toMatch(/created image hello-v1 \(\w{26}\), state pending/);
  expect(out).toMatch(/building → built {2}SUCCESS/);
  expect(out).toMatch(/run \w{26} succeeded/);
  expect(out).toMatch(/● pending/);
}, 180_000);

it('deploys blue/green, swaps and swaps back with the CLI, as written', async () => {
  const out = await runBlock(2);
  const versions = [...out.matchAll(/{"app":"hello-app","version":"(\d\.\d\.\d)"/g)].map((match) => match[1]);
  expect(versions).toEqual(['1.0.0', '2.0.0', '1.0.0']);
  expect(await versionAt(`http://127.0.0.1:${webPort}/`)).toBe('1.0.0');
  expect(out).toMatch(/live → standby {2}DEMOTE/);
}, 300_000);

it('cleans up clusters and the balancer, as written: nothing of the walkthrough keeps running', async () => {
  await runBlock(3);
  // Destroying the service stops its balancer, which closes its port as it exits.
  await pollUntil('the balancer to exit', async () =>
    (await acceptsConnections(webPort)) ? undefined : true,
  );
  await pollUntil('no walkthrough process to be left', async () =>
    (await processesWithin(server.dataDir)).length === 0 ? true : undefined,
  );
}, 180_000);

it('the curl form captures ids with jq and polls the run to its end, as written', async () => {
  const out = await runBlock(4);
  expect(out).toMatch(/^succeeded$/m);
  expect(out).toMatch(/"event": "SUCCESS"/);
  expect(out).toMatch(/event: status/);
}, 180_000);
