import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helloImageSpec, startTestSlipway, type TestSlipway } from '../../testing/test-slipway';

/** Services over the API, with real balancers and instances (inline executor, lmdb). */
let api: TestSlipway;
let image: string;

async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('expected a TCP address');
  return { port: address.port, server };
}

async function freePort(): Promise<number> {
  const held = await holdPort();
  await new Promise((done) => held.server.close(done));
  return held.port;
}

async function created(url: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await api.request('POST', url, { body });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

async function run(url: string, body: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const response = await api.request('POST', url, { body });
  expect(response.statusCode, response.body).toBe(202);
  return api.waitForRun(response.json().id);
}

async function activeService(name: string, port?: number): Promise<Record<string, unknown>> {
  const spec = port === undefined ? {} : { provider: { type: 'local', port } };
  const service = await created('/v1/services', { name, spec });
  expect(await run(`/v1/services/${service.id}/runs`, { target: 'active' })).toMatchObject({
    status: 'succeeded',
  });
  return (await api.request('GET', `/v1/services/${service.id}`)).json();
}

async function readyCluster(name: string, service: string): Promise<string> {
  const cluster = await created('/v1/clusters', { name, spec: { service, image, size: 1 } });
  expect(await run(`/v1/clusters/${cluster.id}/runs`, { target: 'ready' })).toMatchObject({
    status: 'succeeded',
  });
  return String(cluster.id);
}

async function status(url: string): Promise<number | string> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).status;
  } catch (error) {
    return `error: ${error instanceof Error ? error.message : String(error)}`;
  }
}

beforeAll(async () => {
  api = await startTestSlipway({ PORT: '7171' });
  const img = await created('/v1/images', { name: 'img', spec: helloImageSpec() });
  expect(await run(`/v1/images/${img.id}/runs`, { target: 'built' })).toMatchObject({ status: 'succeeded' });
  image = String(img.id);
}, 60_000);
afterAll(async () => api.close());

describe('services over the API', () => {
  it('refuses a port Slipway listens on or another service holds: 409 port_taken naming the holder', async () => {
    const own = await api.request('POST', '/v1/services', {
      body: { name: 'own', spec: { provider: { type: 'local', port: 7171 } } },
    });
    expect(own.statusCode).toBe(409);
    expect(own.json()).toMatchObject({ code: 'port_taken', holder: { kind: 'slipway' } });
    expect(own.json().detail).toContain("Slipway's own API");

    const port = await freePort();
    const first = await activeService('holder', port);
    const second = await api.request('POST', '/v1/services', {
      body: { name: 'second', spec: { provider: { type: 'local', port } } },
    });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({
      code: 'port_taken',
      holder: { kind: 'service', id: first.id, name: 'holder' },
    });

    // And at PATCH: a pending service cannot move onto the holder's port either.
    const other = await created('/v1/services', { name: 'other', spec: {} });
    const patched = await api.request('PATCH', `/v1/services/${other.id}`, {
      body: { spec: { provider: { type: 'local', port } } },
    });
    expect(patched.statusCode).toBe(409);
    expect(patched.json()).toMatchObject({ code: 'port_taken', holder: { name: 'holder' } });
  }, 30_000);

  it('a port taken between create and provision fails the run and records nothing; a PATCH to a free port and a new run succeed', async () => {
    const held = await holdPort();
    try {
      const service = await created('/v1/services', {
        name: 'late',
        spec: { provider: { type: 'local', port: held.port } },
      });
      const failed = await run(`/v1/services/${service.id}/runs`, { target: 'active' });
      expect(failed).toMatchObject({ status: 'failed', error: { code: 'balancer_start_failed' } });
      expect(String((failed.error as { message: string }).message)).toContain(`port ${held.port}`);
      const after = (await api.request('GET', `/v1/services/${service.id}`)).json();
      expect(after.state).toBe('failed');
      expect(after.status).not.toHaveProperty('port');
      expect(after.status).not.toHaveProperty('url');
      expect(after.status.balancer).toBeNull();
      expect(existsSync(join(api.dataDir, 'services', 'late', 'balancer.json'))).toBe(false);

      const port = await freePort();
      const patched = await api.request('PATCH', `/v1/services/${service.id}`, {
        body: { spec: { provider: { type: 'local', port } } },
      });
      expect(patched.statusCode, patched.body).toBe(200);
      expect(await run(`/v1/services/${service.id}/runs`, { target: 'active' })).toMatchObject({
        status: 'succeeded',
      });
      const active = (await api.request('GET', `/v1/services/${service.id}`)).json();
      expect(active).toMatchObject({
        state: 'active',
        status: { url: `http://127.0.0.1:${port}`, port, balancer: { answering: true } },
      });
      // Up and listening, with no cluster behind it yet: the balancer's own 503.
      expect(await status(`http://127.0.0.1:${port}/`)).toBe(503);
    } finally {
      await new Promise((done) => held.server.close(done));
    }
  }, 30_000);

  it('PATCH {frozen, reason} refuses promotes naming who and why; unfreeze allows them; both are on the audit trail with actor and reason', async () => {
    const service = await activeService('frozen-web');
    const cluster = await readyCluster('frozen-a', 'frozen-web');
    const patch = (body: Record<string, unknown>) =>
      api.request('PATCH', `/v1/services/${service.id}`, { body });
    // Bad input changes nothing: no reason, or the freeze mixed with a spec or labels.
    const noReason = await patch({ frozen: true });
    expect(noReason.statusCode, noReason.body).toBe(400);
    expect(noReason.json()).toMatchObject({ code: 'reason_required' });
    const mixed = await patch({ frozen: true, reason: 'x', labels: { team: 'web' } });
    expect(mixed.statusCode, mixed.body).toBe(400);
    expect(mixed.json()).toMatchObject({ code: 'validation_failed' });
    expect(mixed.json().detail).toContain('PATCH of their own');
    const notBoolean = await patch({ frozen: 'yes', reason: 'x' });
    expect(notBoolean.statusCode, notBoolean.body).toBe(400);
    expect((await api.request('GET', `/v1/services/${service.id}`)).json()).toMatchObject({
      version: service.version,
      labels: {},
    });

    const freeze = await patch({ frozen: true, reason: 'release freeze for the audit' });
    expect(freeze.statusCode, freeze.body).toBe(200);
    expect(freeze.json()).toMatchObject({
      id: service.id,
      state: 'active',
      status: { frozen: { by: 'admin', reason: 'release freeze for the audit' } },
    });
    expect(freeze.headers.etag).toBe(`"${freeze.json().version}"`);

    const refused = await api.request('POST', `/v1/clusters/${cluster}/runs`, { body: { target: 'live' } });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({
      code: 'service_frozen',
      frozenBy: 'admin',
      reason: 'release freeze for the audit',
    });
    expect(refused.json().detail).toContain('frozen by admin');
    expect((await api.request('GET', `/v1/clusters/${cluster}`)).json().state).toBe('ready');

    const unfreeze = await patch({ frozen: false, reason: 'audit done' });
    expect(unfreeze.statusCode, unfreeze.body).toBe(200);
    expect(unfreeze.json().status).toMatchObject({ frozen: null });
    expect(await run(`/v1/clusters/${cluster}/runs`, { target: 'live' })).toMatchObject({
      status: 'succeeded',
    });

    const trail = (await api.request('GET', `/v1/transitions?resourceId=${service.id}`)).json().items;
    const events = trail.filter((t: { event: string }) => ['FREEZE', 'UNFREEZE'].includes(t.event));
    expect(events).toMatchObject([
      {
        event: 'FREEZE',
        from: 'active',
        to: 'active',
        actor: 'admin',
        outputs: { reason: 'release freeze for the audit' },
      },
      { event: 'UNFREEZE', from: 'active', to: 'active', actor: 'admin', outputs: { reason: 'audit done' } },
    ]);
    for (const transition of events) {
      const recorded = (await api.request('GET', `/v1/runs/${transition.runId}`)).json();
      expect(recorded).toMatchObject({ requestedBy: 'admin', status: 'succeeded' });
      expect(recorded.reason).toBe(transition.outputs.reason);
    }
    const seen = (await api.request('GET', `/v1/services/${service.id}`)).json();
    expect(seen.status).toMatchObject({ frozen: null, liveCluster: cluster, standbyClusters: [] });

    // The POST routes are aliases: they answer the run.
    const alias = await api.request('POST', `/v1/services/${service.id}/freeze`, {
      body: { reason: 'alias' },
    });
    expect(alias.statusCode, alias.body).toBe(201);
    expect(alias.json()).toMatchObject({ status: 'succeeded', reason: 'alias' });
    expect((await patch({ frozen: true, reason: 'again' })).json()).toMatchObject({
      code: 'already_in_target',
    });
    expect((await patch({ frozen: false, reason: 'alias done' })).statusCode).toBe(200);
  }, 60_000);

  it('a cluster may name its service by id and is stored by name; a live cluster keeps the service from being destroyed without force', async () => {
    const service = await activeService('by-id');
    const cluster = await created('/v1/clusters', {
      name: 'by-id-a',
      spec: { service: service.id, image, size: 1 },
    });
    expect(cluster.spec).toMatchObject({ service: 'by-id' });
    expect(await run(`/v1/clusters/${cluster.id}/runs`, { target: 'live' })).toMatchObject({
      status: 'succeeded',
    });
    const url = String((service.status as { url: string }).url);
    expect(await status(`${url}/`)).toBe(200);

    const refused = await api.request('POST', `/v1/services/${service.id}/runs`, {
      body: { target: 'destroyed', reason: 'retire' },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'service_has_live_cluster', liveCluster: cluster.id });

    const forced = await run(`/v1/services/${service.id}/runs`, {
      target: 'destroyed',
      reason: 'retire now',
      force: true,
    });
    expect(forced).toMatchObject({ status: 'succeeded' });
    expect(await status(`${url}/`)).toMatch(/^error/);
    const promote = await api.request('POST', `/v1/clusters/${cluster.id}/runs`, {
      body: { target: 'destroyed', reason: 'gone with its service', force: true },
    });
    expect(promote.statusCode).toBe(202);
  }, 60_000);

  it('refuses a promote through a service that is pending with no run (409 service_not_active), and the cluster stays ready', async () => {
    const service = await created('/v1/services', { name: 'idle', spec: {} });
    const cluster = await readyCluster('idle-a', 'idle');
    const refused = await api.request('POST', `/v1/clusters/${cluster}/runs`, { body: { target: 'live' } });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({
      code: 'service_not_active',
      service: service.id,
      state: 'pending',
    });
    expect((await api.request('GET', `/v1/clusters/${cluster}`)).json().state).toBe('ready');
  }, 30_000);
});
