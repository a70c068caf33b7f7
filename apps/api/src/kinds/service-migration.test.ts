import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, realpath } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterSpec, Resource } from '@slipway/domain';
import { localClusterProvider } from '@slipway/ops';
import { bakeHelloImage, clusterContext, startLegacyBalancer } from '@slipway/ops/testing';
import { LmdbStore, MongoStore } from '@slipway/persistence';
import { afterEach, describe, expect, it } from 'vitest';
import {
  HELLO_APP,
  helloImageSpec,
  REPO_ROOT,
  startTestSlipway,
  TEST_TOKEN,
  type TestSlipway,
} from '../../testing/test-slipway';

const SLIPWAY_PORT = 7373;

async function freePortForTests(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise((done) => server.close(done));
  if (!address || typeof address === 'string') throw new Error('expected a TCP address');
  return address.port;
}

function resource(
  id: string,
  kind: string,
  name: string,
  state: string,
  spec: Record<string, unknown>,
): Resource {
  const now = new Date().toISOString();
  return {
    id,
    kind,
    name,
    state,
    version: 1,
    seq: 0,
    spec,
    status: {},
    labels: {},
    activeRunId: null,
    createdAt: now,
    updatedAt: now,
  };
}

interface OldData {
  legacy: { clusterId: string; url: string; pid: number };
  orphan: { url: string; pid: number; port: number };
  freshPort: number;
}

/**
 * A data directory as a Slipway before services were resources left it, written without the
 * service code: clusters naming services only by name (`legacy` live behind the balancer its
 * first promote started, `fresh` never promoted but naming a `balancerPort`, `clash` naming
 * Slipway's own port), and an orphaned balancer of `orphan`, whose clusters are all gone, still
 * listening. Records are written in the pre-service format (services/<name>/balancer.json).
 */
async function writeOldData(
  dataDir: string,
  open: () => Promise<{ createResource(resource: Resource): Promise<void>; close(): Promise<void> }>,
): Promise<OldData> {
  const image = await bakeHelloImage(join(dataDir, 'old-images'), 'IMGOLD', '1.0.0');
  const clusterId = '01JOLDC1USTER000000000000A';
  const legacySpec: ClusterSpec = { service: 'legacy', image: image.id, size: 2 };
  const freshPort = await freePortForTests();
  const store = await open();
  try {
    await store.createResource({ ...image, seq: 0, version: 1 });
    await store.createResource(resource(clusterId, 'cluster', 'legacy-a', 'live', legacySpec));
    await store.createResource(
      resource('01JOLDC1USTER000000000000B', 'cluster', 'fresh-a', 'ready', {
        service: 'fresh',
        image: image.id,
        size: 1,
        provider: { balancerPort: freshPort },
      }),
    );
    await store.createResource(
      resource('01JOLDC1USTER000000000000C', 'cluster', 'clash-a', 'ready', {
        service: 'clash',
        image: image.id,
        size: 1,
        provider: { balancerPort: SLIPWAY_PORT },
      }),
    );
  } finally {
    await store.close();
  }
  const clusters = localClusterProvider({
    dataDir,
    getResource: async (id) => (id === image.id ? image : null),
  });
  const launched = await clusters.steps.launch(clusterContext(clusterId, legacySpec, 'launch'));
  if (!launched.ok) throw new Error(`launch: ${launched.error.message}`);
  const upstreams = (launched.outputs.instances as { url: string }[]).map((instance) => instance.url);
  const legacy = await startLegacyBalancer(dataDir, 'legacy', {
    port: await freePortForTests(),
    portFrom: 'picked',
    clusterId,
    upstreams,
  });
  const orphan = await startLegacyBalancer(dataDir, 'orphan', {
    port: await freePortForTests(),
    portFrom: 'spec',
    clusterId: null,
    upstreams: [],
  });
  return { legacy: { clusterId, url: legacy.url, pid: legacy.pid }, orphan, freshPort };
}

const lmdbAt = (dataDir: string) => () => LmdbStore.open({ path: join(dataDir, 'db') });

let apis: TestSlipway[] = [];
afterEach(async () => {
  for (const api of apis) await api.close();
  apis = [];
});

async function servicesOf(api: TestSlipway): Promise<Record<string, Record<string, unknown>>> {
  const items = (await api.request('GET', '/v1/services')).json().items as Record<string, unknown>[];
  return Object.fromEntries(items.map((item) => [String(item.name), item]));
}

async function trailOf(api: TestSlipway, id: unknown): Promise<Record<string, unknown>[]> {
  return (await api.request('GET', `/v1/transitions?resourceId=${String(id)}`)).json().items;
}

describe('start-up migration of services named only by clusters', () => {
  it("adopts running balancers (also orphaned ones) without a dropped request, provisions a never-promoted service on its clusters' balancerPort, and one bad service stops none of the others", async () => {
    const dataDir = await realpath(await mkdtemp(join(tmpdir(), 'slipway-migrate-')));
    const old = await writeOldData(dataDir, lmdbAt(dataDir));
    // A start that died between creating the orphan's service and recording its adoption left this.
    const leftover = {
      ...resource('01JLEFTOVERSERVICE00000000', 'service', 'orphan', 'pending', {
        provider: { type: 'local', port: old.orphan.port },
      }),
      labels: { 'slipway.migrated': 'balancer' },
    };
    const store = await lmdbAt(dataDir)();
    await store.createResource(leftover);
    await store.close();

    let running = true;
    const answers: (number | string)[] = [];
    const load = (async () => {
      while (running) {
        try {
          answers.push((await fetch(`${old.legacy.url}/`, { signal: AbortSignal.timeout(5000) })).status);
        } catch (error) {
          answers.push(`error: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    })();
    await new Promise((done) => setTimeout(done, 200));
    const api = await startTestSlipway({ PORT: String(SLIPWAY_PORT) }, { dataDir });
    apis.push(api);
    await new Promise((done) => setTimeout(done, 200));
    running = false;
    await load;
    expect(answers.length).toBeGreaterThan(5);
    expect(answers.filter((answer) => answer !== 200)).toEqual([]);

    const services = await servicesOf(api);
    // clash names Slipway's own port: refused (port_taken), logged, and the others migrated anyway.
    expect(Object.keys(services).sort()).toEqual(['fresh', 'legacy', 'orphan']);

    const legacy = (await api.request('GET', `/v1/services/${services.legacy!.id}`)).json();
    expect(legacy).toMatchObject({
      state: 'active',
      status: {
        url: old.legacy.url,
        balancer: { pid: old.legacy.pid, answering: true },
        liveCluster: old.legacy.clusterId,
        standbyClusters: [],
      },
    });
    const trail = await trailOf(api, legacy.id);
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({
      from: 'pending',
      to: 'active',
      event: 'ADOPT',
      actor: 'slipway',
      outputs: { adoptedFrom: join(dataDir, 'services', 'legacy', 'balancer.json'), url: old.legacy.url },
    });
    const run = (await api.request('GET', `/v1/runs/${trail[0]!.runId}`)).json();
    expect(run).toMatchObject({ status: 'succeeded', requestedBy: 'slipway' });
    expect(run.reason).toContain('Adopted from');

    // The orphan is the leftover, adopted now: one ADOPT, its balancer kept.
    expect(services.orphan).toMatchObject({ id: leftover.id, state: 'active' });
    const orphan = (await api.request('GET', `/v1/services/${leftover.id}`)).json();
    expect(orphan.status).toMatchObject({ balancer: { pid: old.orphan.pid, answering: true } });
    expect((await trailOf(api, leftover.id)).map((item) => item.event)).toEqual(['ADOPT']);

    // Never promoted: created on the port its cluster named, and provisioned.
    expect(services.fresh).toMatchObject({ spec: { provider: { type: 'local', port: old.freshPort } } });
    const provisioned = await api.waitForRun(String(services.fresh!.activeRunId));
    expect(provisioned).toMatchObject({ status: 'succeeded', requestedBy: 'slipway' });
    const fresh = (await api.request('GET', `/v1/services/${services.fresh!.id}`)).json();
    expect(fresh).toMatchObject({ state: 'active', status: { url: `http://127.0.0.1:${old.freshPort}` } });

    // The cluster still names it by name, and its verify now checks the adopted balancer too.
    const verify = await api.request('POST', `/v1/clusters/${old.legacy.clusterId}/verify`, { body: {} });
    expect(verify.statusCode, verify.body).toBe(202);
    expect(await api.waitForRun(verify.json().id)).toMatchObject({ status: 'succeeded' });
  }, 90_000);

  it.skipIf(!process.env.MONGO_URL)(
    'two API processes migrating the same data at once: one service per name, one ADOPT, both start',
    async () => {
      const dataDir = await realpath(await mkdtemp(join(tmpdir(), 'slipway-migrate-')));
      const url = `${process.env.MONGO_URL!.replace(/\/?$/, '/')}migrate_${randomBytes(4).toString('hex')}`;
      const old = await writeOldData(dataDir, () => MongoStore.open({ url, compactRollupsEveryMs: 0 }));
      const env = {
        PORT: String(SLIPWAY_PORT),
        MONGO_URL: url,
        SLIPWAY_SECRET_KEY: Buffer.alloc(32, 9).toString('base64'),
      };
      const started = await Promise.all([
        startTestSlipway(env, { dataDir }),
        startTestSlipway(env, { dataDir }),
      ]);
      apis.push(...started);
      const [first] = started;
      const services = await servicesOf(first!);
      expect(Object.keys(services).sort()).toEqual(['fresh', 'legacy', 'orphan']);
      const legacy = await trailOf(first!, services.legacy!.id);
      expect(legacy.map((item) => item.event)).toEqual(['ADOPT']);
      expect((await trailOf(first!, services.orphan!.id)).map((item) => item.event)).toEqual(['ADOPT']);
      const runs = (await first!.request('GET', `/v1/runs?resourceId=${String(services.fresh!.id)}`)).json();
      expect(runs.items, JSON.stringify(runs)).toHaveLength(1);
      const provisioned = await first!.waitForRun(String(runs.items[0].id));
      expect(provisioned, JSON.stringify(provisioned)).toMatchObject({ status: 'succeeded' });
      const legacyNow = (await first!.request('GET', `/v1/services/${String(services.legacy!.id)}`)).json();
      expect(legacyNow.status).toMatchObject({ balancer: { pid: old.legacy.pid, answering: true } });
    },
    120_000,
  );

  it('a start killed -9 between creating a migrated service and recording its run: the next start takes it up', async () => {
    const dataDir = await realpath(await mkdtemp(join(tmpdir(), 'slipway-migrate-')));
    await writeOldData(dataDir, lmdbAt(dataDir));
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of ['MONGO_URL', 'REDIS_URL']) delete env[name];
    const child = spawn(process.execPath, ['--enable-source-maps', 'dist/main.js'], {
      cwd: REPO_ROOT,
      env: {
        ...env,
        NODE_ENV: 'test',
        SLIPWAY_FAULT: 'migration:service-created',
        // Killed during start, before it would listen there.
        PORT: String(SLIPWAY_PORT),
        SLIPWAY_DATA_DIR: dataDir,
        SLIPWAY_ADMIN_TOKEN: TEST_TOKEN,
        SLIPWAY_IMAGE_SOURCE_ROOTS: join(HELLO_APP, '..'),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const exit = await new Promise<NodeJS.Signals | null>((done) =>
      child.once('exit', (_, signal) => done(signal)),
    );
    expect(exit, stderr).toBe('SIGKILL');
    expect(stderr).toContain('fault point migration:service-created reached');

    // Just before the kill: clash was refused, fresh created and not yet run; nothing else.
    const store = await lmdbAt(dataDir)();
    const before = (await store.listResources({ kind: 'service', limit: 10 })).items;
    await store.close();
    expect(before.map((service) => [service.name, service.state, service.activeRunId, service.seq])).toEqual([
      ['fresh', 'pending', null, 0],
    ]);

    const api = await startTestSlipway({ PORT: String(SLIPWAY_PORT) }, { dataDir });
    apis.push(api);
    const services = await servicesOf(api);
    expect(Object.keys(services).sort()).toEqual(['fresh', 'legacy', 'orphan']);
    expect(services.fresh!.id).toBe(before[0]!.id);
    expect(await api.waitForRun(String(services.fresh!.activeRunId))).toMatchObject({ status: 'succeeded' });
    expect((await trailOf(api, before[0]!.id)).map((item) => item.to)).toEqual(['provisioning', 'active']);
  }, 120_000);

  it('does not bring back, at the next start, a service destroyed while a cluster still names it', async () => {
    const dataDir = await realpath(await mkdtemp(join(tmpdir(), 'slipway-migrate-')));
    const first = await startTestSlipway({}, { dataDir });
    const post = async (url: string, body: Record<string, unknown>, status: number) => {
      const response = await first.request('POST', url, { body });
      expect(response.statusCode, response.body).toBe(status);
      return response.json();
    };
    const image = await post('/v1/images', { name: 'img', spec: helloImageSpec() }, 201);
    await first.waitForRun((await post(`/v1/images/${image.id}/runs`, { target: 'built' }, 202)).id);
    const service = await post('/v1/services', { name: 'gone', spec: {} }, 201);
    await first.waitForRun((await post(`/v1/services/${service.id}/runs`, { target: 'active' }, 202)).id);
    const cluster = await post(
      '/v1/clusters',
      { name: 'gone-a', spec: { service: 'gone', image: image.id, size: 1 } },
      201,
    );
    await first.waitForRun((await post(`/v1/clusters/${cluster.id}/runs`, { target: 'live' }, 202)).id);
    const destroyed = await post(
      `/v1/services/${service.id}/runs`,
      { target: 'destroyed', reason: 'retired', force: true },
      202,
    );
    expect(await first.waitForRun(destroyed.id)).toMatchObject({ status: 'succeeded' });
    await first.slipway.close();

    const api = await startTestSlipway({}, { dataDir });
    apis.push(api);
    const services = (await api.request('GET', '/v1/services?includeDestroyed=true')).json().items;
    expect(services.map((item: { id: string; state: string }) => [item.id, item.state])).toEqual([
      [service.id, 'destroyed'],
    ]);
  }, 60_000);
});
