import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './support/cluster-api';
import { helloImageSpec } from './support/image-api';
import { killProcessesWithin } from './support/process-table';
import { REPO_ROOT, SlipwayProcess, stopAllSlipways } from './support/slipway-process';

/**
 * The `slipway` CLI as a script uses it: the real bin (`packages/client/bin/slipway.js`, what
 * `npx slipway` runs) against a real server, its exit codes, and its --json output held to the
 * response schemas of the server's own OpenAPI document.
 */
type Json = Record<string, unknown>;
let server: SlipwayProcess;
let configDir: string;
let document: {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
  >;
};
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);

beforeAll(async () => {
  server = await SlipwayProcess.start();
  configDir = await mkdtemp(join(tmpdir(), 'slipway-cli-'));
  document = (await server.api('GET', '/openapi.json')).body as typeof document;
}, 120_000);

afterAll(async () => {
  if (server) await killProcessesWithin(server.dataDir);
  await stopAllSlipways();
  if (configDir) await rm(configDir, { recursive: true, force: true });
});

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  json: () => Json;
}

function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['packages/client/bin/slipway.js', ...args], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        SLIPWAY_URL: server.baseUrl,
        SLIPWAY_TOKEN: server.token,
        SLIPWAY_CONFIG: join(configDir, 'config.json'),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', fail);
    child.once('exit', (code) => done({ code, stdout, stderr, json: () => JSON.parse(stdout) as Json }));
  });
}

/** Checks the output against the schema the document gives that operation's response. */
function expectMatches(result: CliResult, path: string, method: string, status: number): Json {
  const content = document.paths[path]?.[method]?.responses[String(status)]?.content;
  const schema = content?.['application/json']?.schema ?? content?.['application/problem+json']?.schema;
  expect(schema, `${method} ${path} ${status} is documented`).toBeDefined();
  const value = result.json();
  const validate = ajv.compile(schema!);
  expect(
    validate(value),
    `${method} ${path} ${status}: ${ajv.errorsText(validate.errors)}\n${result.stdout}`,
  ).toBe(true);
  return value;
}

const specArgs = (spec: Json) => Object.entries(spec).flatMap(([key, value]) => ['--set', `${key}=${value}`]);

describe('slipway, against a real server', () => {
  it('creates, lists and gets an image; --json output is the API’s entity, exit 0', async () => {
    const created = await cli([
      '--json',
      'images',
      'create',
      'cli-a',
      ...specArgs(helloImageSpec()),
      '--label',
      'team=ops',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const image = expectMatches(created, '/v1/images', 'post', 201);
    expect(image).toMatchObject({ name: 'cli-a', state: 'pending', labels: { team: 'ops' } });

    const listed = await cli(['--json', 'images', 'list', '--label', 'team=ops']);
    expect(listed.code).toBe(0);
    expect(
      (expectMatches(listed, '/v1/images', 'get', 200).items as Json[]).map((item) => item.name),
    ).toEqual(['cli-a']);

    const byName = await cli(['--json', 'images', 'get', 'cli-a']);
    expect(byName.code).toBe(0);
    expect(expectMatches(byName, '/v1/images/{id}', 'get', 200).id).toBe(image.id);
    const byId = await cli(['--json', 'images', 'get', String(image.id)]);
    expect(byId.json().name).toBe('cli-a');
  });

  it('runs to a target with --wait: exit 0 and the succeeded run; runs follow and audit agree', async () => {
    const run = await cli(['--json', 'run', 'image', 'cli-a', 'built', '--reason', 'cli test', '--wait']);
    expect(run.code, run.stderr).toBe(0);
    const ended = expectMatches(run, '/v1/runs/{id}', 'get', 200);
    expect(ended).toMatchObject({ status: 'succeeded', target: 'built', reason: 'cli test' });

    const followed = await cli(['--json', 'runs', 'follow', String(ended.id)]);
    expect(followed.code).toBe(0);
    expect(expectMatches(followed, '/v1/runs/{id}', 'get', 200).status).toBe('succeeded');

    const human = await cli(['runs', 'follow', String(ended.id)]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/pending → building {2}BUILD/);
    expect(human.stdout).toMatch(/building → built {2}SUCCESS {2}\d+\.\ds/);
    // Not a terminal: no colour codes.
    expect(human.stdout).not.toContain('\u001b[');

    const audit = await cli(['--json', 'audit', '--kind', 'image', '--resource', 'cli-a']);
    expect(audit.code).toBe(0);
    const page = expectMatches(audit, '/v1/transitions', 'get', 200);
    expect((page.items as Json[]).map((t) => `${t.from}>${t.to}`)).toEqual([
      'pending>building',
      'building>built',
    ]);
    expect((page.items as Json[]).every((t) => t.runId === ended.id)).toBe(true);
  }, 120_000);

  it('exits 1 when a followed run fails, printing the log tail and the error', async () => {
    await cli([
      'images',
      'create',
      'cli-broken',
      ...specArgs(helloImageSpec({ build: 'echo compiling; echo boom >&2; exit 3' })),
    ]);
    const run = await cli(['--json', 'run', 'image', 'cli-broken', 'built', '--wait']);
    expect(run.code).toBe(1);
    const failed = expectMatches(run, '/v1/runs/{id}', 'get', 200);
    expect(failed.status).toBe('failed');
    const human = await cli(['runs', 'follow', String(failed.id)]);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/✗ building → failed {2}FAILURE/);
    expect(human.stdout).toMatch(/\| .*boom/);
    expect(human.stdout).toMatch(/build_failed: /);
  }, 120_000);

  it('cancels a run by id: 202’s run as JSON, and following it exits 1 (cancelled)', async () => {
    await cli(['images', 'create', 'cli-slow', ...specArgs(helloImageSpec({ build: 'sleep 60' }))]);
    const started = await cli(['--json', 'run', 'image', 'cli-slow', 'built']);
    expect(started.code).toBe(0);
    const run = expectMatches(started, '/v1/images/{id}/runs', 'post', 202);
    const cancelled = await cli(['--json', 'cancel', String(run.id), '--reason', 'too slow']);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expectMatches(cancelled, '/v1/runs/{id}/cancel', 'post', 202);
    const followed = await cli(['--json', 'runs', 'follow', String(run.id)]);
    expect(followed.code).toBe(1);
    expect(followed.json().status).toBe('cancelled');
  }, 120_000);

  it('describes a kind: the machine drawn, or the description as JSON', async () => {
    const drawn = await cli(['kinds', 'describe', 'cluster']);
    expect(drawn.code).toBe(0);
    expect(drawn.stdout).toMatch(/^● pending/m);
    expect(drawn.stdout).toMatch(/┈┈▶ standby +DEMOTE \(engine\)/);
    const described = await cli(['--json', 'kinds', 'describe', 'clusters']);
    expect(expectMatches(described, '/v1/kinds/{kind}', 'get', 200).name).toBe('cluster');
  });

  it('exits 3 with the server’s problem as JSON when the API refuses, and passes unknown audit filters through', async () => {
    const missing = await cli(['--json', 'runs', 'get', '01ZZZZZZZZZZZZZZZZZZZZZZZZ']);
    expect(missing.code).toBe(3);
    expect(expectMatches(missing, '/v1/runs/{id}', 'get', 404).code).toBe('run_not_found');
    expect(missing.stderr).toMatch(/run_not_found/);

    const filter = await cli(['--json', 'audit', '--no-such-filter', 'x']);
    expect(filter.code).toBe(3);
    const problem = expectMatches(filter, '/v1/transitions', 'get', 400);
    expect(String(problem.detail)).toContain('no-such-filter');

    const badTarget = await cli(['--json', 'run', 'image', 'cli-a', 'nowhere']);
    expect(badTarget.code).toBe(3);
    expectMatches(badTarget, '/v1/images/{id}/runs', 'post', 400);
  });

  it('exits 2 on bad usage or a missing token, 4 when the server cannot be reached', async () => {
    expect((await cli(['run', 'image'])).code).toBe(2);
    const unknownKind = await cli(['no-such-kind', 'list']);
    expect(unknownKind.code).toBe(2);
    expect(unknownKind.stderr).toMatch(/no kind "no-such-kind" on this server; it serves images, clusters/);
    const noToken = await cli(['--json', 'images', 'list'], { SLIPWAY_TOKEN: undefined });
    expect(noToken.code).toBe(2);
    expect(noToken.json()).toMatchObject({ code: 'cli_error' });
    expect(noToken.stderr).toMatch(/slipway login/);
    const down = await cli(['images', 'list'], { SLIPWAY_URL: `http://127.0.0.1:${await freePort()}` });
    expect(down.code).toBe(4);
    expect(down.stderr).toMatch(/cannot reach Slipway/);
    // An id goes to the server without a listing first: unreachable all the same, and no stack.
    const downById = await cli(['run', 'image', '01JDQ3M5T2Q3W3K5A3B8C9D0EF', 'built'], {
      SLIPWAY_URL: `http://127.0.0.1:${await freePort()}`,
    });
    expect(downById.code).toBe(4);
    expect(downById.stderr).toMatch(/cannot reach Slipway/);
    expect(downById.stderr).not.toMatch(/\n\s+at /);
  });

  it('says who the caller is, and creates, lists and revokes its tokens', async () => {
    const me = await cli(['--json', 'whoami']);
    expect(me.code, me.stderr).toBe(0);
    expect(expectMatches(me, '/v1/me', 'get', 200)).toMatchObject({ name: 'admin' });
    const created = await cli(['--json', 'tokens', 'create', 'cli-ci']);
    expect(created.code, created.stderr).toBe(0);
    const issued = expectMatches(created, '/v1/users/{id}/tokens', 'post', 201) as {
      secret: string;
      token: Json;
    };
    const asNew = await cli(['--json', 'whoami'], { SLIPWAY_TOKEN: issued.secret });
    expect(asNew.json()).toMatchObject({ name: 'admin', tokenId: issued.token.id });
    const listed = await cli(['--json', 'tokens', 'list']);
    expect((listed.json().items as Json[]).map((token) => token.name)).toContain('cli-ci');
    const revoked = await cli(['--json', 'tokens', 'revoke', String(issued.token.id)]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.json()).toMatchObject({ revokedBy: 'admin' });
    expect((await cli(['whoami'], { SLIPWAY_TOKEN: issued.secret })).code).toBe(3);
  });

  it('login checks the token and saves URL and token in a 0600 file that later commands use', async () => {
    const wrong = await cli(['login', '--url', server.baseUrl, '--token', 'not-the-token-at-all'], {
      SLIPWAY_TOKEN: undefined,
    });
    expect(wrong.code).toBe(3);
    const login = await cli(['login', '--url', server.baseUrl, '--token', server.token], {
      SLIPWAY_URL: undefined,
      SLIPWAY_TOKEN: undefined,
    });
    expect(login.code, login.stderr).toBe(0);
    expect((await stat(join(configDir, 'config.json'))).mode & 0o777).toBe(0o600);
    const listed = await cli(['--json', 'images', 'list'], {
      SLIPWAY_URL: undefined,
      SLIPWAY_TOKEN: undefined,
    });
    expect(listed.code).toBe(0);
    expectMatches(listed, '/v1/images', 'get', 200);
  });
});
