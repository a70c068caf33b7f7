import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bakeImage,
  type ClusterEntity,
  createCluster,
  freePort,
  getCluster,
  moveCluster,
} from './support/cluster-api';
import { type RunEntity, transitionsOf, waitForRun } from './support/image-api';
import { killProcessesWithin } from './support/process-table';
import { findForms, searchFiles, secretForms } from './support/secret-search';
import {
  type ApiResponse,
  type JsonObject,
  SlipwayProcess,
  stopAllSlipways,
} from './support/slipway-process';

/**
 * Settings that deploys consume, over HTTP against the real server and real instances: values
 * pinned at launch, a swap back restoring the old configuration, discovery published on promote
 * and withdrawn after the last live cluster, and a secret that only its instance ever sees.
 */
let server: SlipwayProcess;
let image: string;
let webBalancer: string;
/** Every response body the test received, but the one audited secret read. */
const responses: string[] = [];
// Spaces, slashes and a plus: its URL-encoded forms differ from the plaintext.
const SECRET = 'Sw0rdfish in/the+sea! 7f3c';

beforeAll(async () => {
  server = await SlipwayProcess.start();
  const api = server.api.bind(server);
  server.api = async <T = JsonObject>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => {
    const response: ApiResponse<T> = await api<T>(method, path, body, headers);
    if (!/\/secret$/.test(path)) responses.push(`${method} ${path} → ${response.text}`);
    return response;
  };
  webBalancer = `http://127.0.0.1:${await freePort()}`;
  image = await bakeImage(server, 'hello', '1.0.0');
}, 180_000);

afterAll(async () => {
  await killProcessesWithin(server.dataDir);
  await stopAllSlipways();
});

async function setting(name: string, spec: JsonObject): Promise<string> {
  const created = await server.api<{ id: string }>('POST', '/v1/settings', { name, spec });
  expect(created.status, created.text).toBe(201);
  await applySetting(created.body.id);
  return created.body.id;
}

async function applySetting(id: string): Promise<void> {
  const run = await server.api<RunEntity>('POST', `/v1/settings/${id}/runs`, { target: 'active' });
  expect(run.status, run.text).toBe(202);
  expect(await waitForRun(server, run.body.id)).toMatchObject({ status: 'succeeded' });
}

async function json<T = JsonObject>(url: string): Promise<T> {
  const response = await fetch(url);
  const text = await response.text();
  responses.push(`GET ${url} → ${text}`);
  return JSON.parse(text) as T;
}

async function live(name: string, spec: JsonObject): Promise<ClusterEntity> {
  const cluster = await createCluster(server, name, { image, size: 2, environment: 'production', ...spec });
  const run = await moveCluster(server, cluster.id, { target: 'live' });
  expect(run, server.describe()).toMatchObject({ status: 'succeeded' });
  return getCluster(server, cluster.id);
}

const pidsOf = (cluster: ClusterEntity) =>
  (cluster.observed?.instances ?? []).map((instance) => instance.pid);
const greetingsThrough = async (url: string) =>
  Promise.all(
    Array.from({ length: 4 }, () => json<{ greeting: string }>(`${url}/greeting`).then((b) => b.greeting)),
  );

describe('settings that clusters consume, over HTTP with real processes', () => {
  let greeting: string;
  let password: string;
  let a: ClusterEntity;
  let b: ClusterEntity;

  it('launches cluster A with GREETING=v1-hello and a secret; the balancer answers A’s greeting', async () => {
    greeting = await setting('greeting', { key: 'GREETING', environment: 'production', value: 'v1-hello' });
    password = await setting('db-password', { key: 'DB_PASSWORD', secret: true, value: SECRET });
    // A user's setting under the name discovery once gave web's URL in production: it must not
    // keep the promote from publishing (discovery names are ones no request can give).
    await setting('discovery-web-production', { key: 'UNRELATED', environment: 'staging', value: 'x' });
    a = await live('web-a', {
      service: 'web',
      provider: { balancerPort: Number(new URL(webBalancer).port) },
    });
    expect(await greetingsThrough(webBalancer)).toEqual(Array(4).fill('v1-hello'));
    // The pinned snapshot: ids and versions on the resource and the launch transition, no values.
    expect(a.status.pinned).toEqual({
      'setting.pin': {
        target: { environment: 'production', service: 'web' },
        settings: [
          { key: 'DB_PASSWORD', setting: password, version: 1, scope: 'global', sealed: true },
          { key: 'GREETING', setting: greeting, version: 1, scope: 'environment', sealed: false },
        ],
      },
    });
    const launch = (await transitionsOf(server, a.id)).find((t) => t.from === 'launching');
    expect(launch?.outputs).toMatchObject({ hooks: { 'setting.pin': { settings: expect.any(Array) } } });
    // Only the instance holds the secret: it proves so with a hash.
    for (const instance of a.observed?.instances ?? []) {
      const hash = await json<{ sha256: string }>(
        `http://127.0.0.1:${instance.port}/secret-hash?name=DB_PASSWORD`,
      );
      expect(hash.sha256).toBe(createHash('sha256').update(SECRET).digest('hex'));
    }
  });

  it('changes GREETING, launches and promotes B: the balancer answers B’s greeting; A still runs what it pinned', async () => {
    const patched = await server.api('PATCH', `/v1/settings/${greeting}`, {
      spec: { key: 'GREETING', value: 'v2-hello' },
    });
    expect(patched.status, patched.text).toBe(200);
    await applySetting(greeting);
    const drifted = await getCluster(server, a.id);
    // GREETING moved on, and discovery published web's own URL after A launched: both differ.
    expect(drifted.observed?.settings).toMatchObject({
      differsFromResolution: true,
      changes: [
        {
          key: 'GREETING',
          pinned: { setting: greeting, version: 1 },
          resolvesNow: { setting: greeting, version: 2 },
        },
        { key: 'SLIPWAY_SERVICE_WEB_URL', pinned: null, resolvesNow: { version: 1 } },
      ],
    });
    b = await live('web-b', { service: 'web' });
    expect(await greetingsThrough(webBalancer)).toEqual(Array(4).fill('v2-hello'));
    expect((await getCluster(server, a.id)).state).toBe('standby');
  });

  it('swaps back to A: A’s greeting again, from the same processes, with no relaunch', async () => {
    const pids = pidsOf(await getCluster(server, a.id));
    const run = await moveCluster(server, a.id, { target: 'live' });
    expect(run, server.describe()).toMatchObject({ status: 'succeeded' });
    expect(await greetingsThrough(webBalancer)).toEqual(Array(4).fill('v1-hello'));
    a = await getCluster(server, a.id);
    expect(pidsOf(a)).toEqual(pids);
    expect((await transitionsOf(server, a.id)).filter((t) => t.event === 'LAUNCH')).toHaveLength(1);
  });

  it('published the service’s URL on promote; a cluster of a second service gets it and calls it', async () => {
    const resolved = await server.api<{ settings: JsonObject[] }>(
      'GET',
      '/v1/settings/resolve?environment=production&service=api',
    );
    const discovery = resolved.body.settings.find((entry) => entry.key === 'SLIPWAY_SERVICE_WEB_URL');
    expect(discovery).toMatchObject({ scope: 'environment', secret: false, value: webBalancer });
    // Published by the promote runs, on the audit trail as the setting's own runs.
    const trail = await transitionsOf(server, String(discovery?.setting));
    expect(trail.map((t) => `${t.from}>${t.to}`).slice(0, 2)).toEqual([
      'pending>applying',
      'applying>active',
    ]);
    const api = await live('api-a', { service: 'api' });
    const instance = api.observed?.instances?.[0];
    const called = await json<{ url: string; body: { greeting: string } }>(
      `http://127.0.0.1:${instance?.port}/upstream?name=SLIPWAY_SERVICE_WEB_URL`,
    );
    expect(called).toMatchObject({ url: webBalancer, body: { greeting: 'v1-hello' } });
  });

  it('withdraws the URL once the last live cluster of the service is destroyed', async () => {
    const url = async () =>
      (
        await server.api<{ settings: JsonObject[] }>('GET', '/v1/settings/resolve?environment=production')
      ).body.settings.find((entry) => entry.key === 'SLIPWAY_SERVICE_WEB_URL');
    expect(
      await moveCluster(server, b.id, { target: 'destroyed', reason: 'standby no longer needed' }),
    ).toMatchObject({
      status: 'succeeded',
    });
    expect(await url()).toMatchObject({ value: webBalancer });
    expect(
      await moveCluster(server, a.id, { target: 'destroyed', reason: 'retiring web', force: true }),
    ).toMatchObject({ status: 'succeeded' });
    expect(await url()).toBeUndefined();
  });

  it('deleting a setting a cluster pinned is allowed: the cluster keeps its values and shows the setting is gone', async () => {
    const run = await server.api<RunEntity>('POST', `/v1/settings/${greeting}/runs`, {
      target: 'deleted',
      reason: 'moved to a service scope',
    });
    expect(await waitForRun(server, run.body.id)).toMatchObject({ status: 'succeeded' });
    const api = await getCluster(
      server,
      (await server.api<{ items: ClusterEntity[] }>('GET', '/v1/clusters?state=live')).body.items[0]!.id,
    );
    expect(api.observed?.settings).toMatchObject({
      settings: expect.arrayContaining([
        expect.objectContaining({ key: 'GREETING', setting: greeting, settingState: 'deleted' }),
      ]),
      differsFromResolution: true,
    });
    const instance = api.observed?.instances?.[0];
    expect((await json<{ greeting: string }>(`http://127.0.0.1:${instance?.port}/greeting`)).greeting).toBe(
      'v2-hello',
    );
  });

  it('finds the secret nowhere but in the instances: responses, logs, runs, transitions, instance logs, the data directory', async () => {
    const read = await server.api<{ value: string }>('GET', `/v1/settings/${password}/secret`);
    expect(read.body.value).toBe(SECRET);
    const transitions = await server.api<{ items: { runId: string }[] }>('GET', '/v1/transitions?limit=200');
    for (const runId of new Set(transitions.body.items.map((t) => t.runId)))
      await server.api('GET', `/v1/runs/${runId}`);
    const forms = secretForms(SECRET);
    const files = await searchFiles(server.dataDir, forms);
    expect(files.files).toBeGreaterThan(5);
    const hits = [
      ...responses.flatMap((body, index) => findForms(`response ${index}`, body, forms)),
      ...findForms('server stdout', server.stdout.toString(), forms),
      ...findForms('server stderr', server.stderr.toString(), forms),
      ...files.hits,
    ];
    expect(hits).toEqual([]);
    // The search is real: it finds a plain value in lmdb's file and the secret in its read.
    expect((await searchFiles(server.dataDir, ['v2-hello'])).hits).toEqual([
      expect.stringMatching(/data\.mdb: v2-hello$/),
    ]);
    expect(findForms('secret read', read.text, forms)).not.toEqual([]);
  });
});
