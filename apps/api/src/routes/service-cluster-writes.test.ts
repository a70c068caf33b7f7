import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helloImageSpec, startTestSlipway, type TestSlipway } from '../../testing/test-slipway';

/**
 * What a cluster write does to the service its spec.service names: the service is created only
 * once the cluster is stored, concurrent creates share it, and only a change of the service or
 * its port provisions a failed one again.
 */
let api: TestSlipway;
let image: string;
const held: Server[] = [];

async function holdPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  held.push(server);
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('expected a TCP address');
  return address.port;
}

async function servicesNamed(name: string): Promise<Record<string, unknown>[]> {
  const services = (await api.request('GET', '/v1/services?limit=200')).json();
  return services.items.filter((item: { name: string }) => item.name === name);
}

beforeAll(async () => {
  api = await startTestSlipway();
  const created = (
    await api.request('POST', '/v1/images', { body: { name: 'img', spec: helloImageSpec() } })
  ).json();
  const run = await api.request('POST', `/v1/images/${created.id}/runs`, { body: { target: 'built' } });
  expect(await api.waitForRun(run.json().id)).toMatchObject({ status: 'succeeded' });
  image = created.id;
}, 60_000);

afterAll(async () => {
  for (const server of held) await new Promise((done) => server.close(done));
  await api.close();
});

describe('cluster writes and the service they name', () => {
  it('a cluster create refused for its taken name creates no service', async () => {
    const first = await api.request('POST', '/v1/clusters', {
      body: { name: 'taken-name', spec: { service: 'svc-one', image, size: 1 } },
    });
    expect(first.statusCode, first.body).toBe(201);
    const again = await api.request('POST', '/v1/clusters', {
      body: { name: 'taken-name', spec: { service: 'svc-never', image, size: 1 } },
    });
    expect(again.statusCode, again.body).toBe(409);
    expect(again.json()).toMatchObject({ code: 'name_taken' });
    expect(await servicesNamed('svc-never')).toEqual([]);
  }, 30_000);

  it('two concurrent cluster creates naming one new service both succeed and share one service', async () => {
    const [a, b] = await Promise.all(
      ['pair-a', 'pair-b'].map((name) =>
        api.request('POST', '/v1/clusters', {
          body: { name, spec: { service: 'svc-pair', image, size: 1 } },
        }),
      ),
    );
    expect(a?.statusCode, a?.body).toBe(201);
    expect(b?.statusCode, b?.body).toBe(201);
    expect(await servicesNamed('svc-pair')).toHaveLength(1);
  }, 30_000);

  it('a cluster patch that changes neither spec.service nor balancerPort leaves a failed service alone', async () => {
    const port = await holdPort();
    const created = await api.request('POST', '/v1/clusters', {
      body: {
        name: 'patch-a',
        spec: { service: 'svc-failed', image, size: 1, provider: { balancerPort: port } },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const [service] = await servicesNamed('svc-failed');
    expect(await api.waitForRun(String(service?.activeRunId))).toMatchObject({ status: 'failed' });
    const before = (await api.request('GET', `/v1/services/${service?.id}`)).json();
    expect(before.state).toBe('failed');
    const patched = await api.request('PATCH', `/v1/clusters/${created.json().id}`, {
      body: { spec: { service: 'svc-failed', image, size: 2, provider: { balancerPort: port } } },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const after = (await api.request('GET', `/v1/services/${service?.id}`)).json();
    expect(after).toMatchObject({ state: 'failed', version: before.version, activeRunId: null });
  }, 30_000);

  it('spec.service naming the id of a destroyed service is refused (409 service_not_active) and stores nothing; its name makes a new service', async () => {
    const service = (
      await api.request('POST', '/v1/services', { body: { name: 'svc-gone', spec: {} } })
    ).json();
    const run = await api.request('POST', `/v1/services/${service.id}/runs`, {
      body: { target: 'destroyed', reason: 'retired' },
    });
    expect(await api.waitForRun(run.json().id)).toMatchObject({ status: 'succeeded' });

    const byId = await api.request('POST', '/v1/clusters', {
      body: { name: 'gone-by-id', spec: { service: service.id, image, size: 1 } },
    });
    expect(byId.statusCode, byId.body).toBe(409);
    expect(byId.json()).toMatchObject({
      code: 'service_not_active',
      service: service.id,
      state: 'destroyed',
    });
    expect(byId.json().detail).toContain('destroyed');
    const clusters = (await api.request('GET', '/v1/clusters?limit=200')).json().items;
    expect(clusters.filter((item: { name: string }) => item.name === 'gone-by-id')).toEqual([]);
    expect(await servicesNamed('svc-gone')).toEqual([]);

    const byName = await api.request('POST', '/v1/clusters', {
      body: { name: 'gone-by-name', spec: { service: 'svc-gone', image, size: 1 } },
    });
    expect(byName.statusCode, byName.body).toBe(201);
    const [fresh] = await servicesNamed('svc-gone');
    expect(fresh?.id).not.toBe(service.id);
  }, 30_000);

  it('a new cluster whose balancerPort another service holds is refused before anything is stored', async () => {
    const port = await holdPort();
    const holder = (
      await api.request('POST', '/v1/services', {
        body: { name: 'svc-holder', spec: { provider: { type: 'local', port } } },
      })
    ).json();
    const refused = await api.request('POST', '/v1/clusters', {
      body: {
        name: 'clash-a',
        spec: { service: 'svc-clash', image, size: 1, provider: { balancerPort: port } },
      },
    });
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json()).toMatchObject({
      code: 'port_taken',
      port,
      holder: { kind: 'service', id: holder.id, name: 'svc-holder' },
    });
    expect(refused.json().detail).toContain('spec.provider.balancerPort');
    const clusters = (await api.request('GET', '/v1/clusters?limit=200')).json().items;
    expect(clusters.filter((item: { name: string }) => item.name === 'clash-a')).toEqual([]);
    expect(await servicesNamed('svc-clash')).toEqual([]);
  }, 30_000);
});
