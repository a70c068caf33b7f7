import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helloImageSpec, startTestSlipway, type TestSlipway } from '../../testing/test-slipway';

let api: TestSlipway;
let builtImage: string;
let pendingImage: string;

beforeAll(async () => {
  api = await startTestSlipway();
  const built = (
    await api.request('POST', '/v1/images', { body: { name: 'img', spec: helloImageSpec() } })
  ).json();
  const run = (
    await api.request('POST', `/v1/images/${built.id}/runs`, { body: { target: 'built' } })
  ).json();
  expect(await api.waitForRun(run.id)).toMatchObject({ status: 'succeeded' });
  builtImage = built.id;
  pendingImage = (
    await api.request('POST', '/v1/images', { body: { name: 'raw', spec: helloImageSpec() } })
  ).json().id;
}, 60_000);
afterAll(async () => api.close());

const spec = (overrides: Record<string, unknown> = {}) => ({
  service: 'web',
  image: builtImage,
  size: 2,
  ...overrides,
});

describe('clusters over the API (no instance started here; the acceptance suite runs them)', () => {
  it('creates a pending cluster and shows its service with no live cluster yet', async () => {
    const created = await api.request('POST', '/v1/clusters', { body: { name: 'web-a', spec: spec() } });
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toBe(`/v1/clusters/${created.json().id}`);
    const read = (await api.request('GET', `/v1/clusters/${created.json().id}`)).json();
    expect(read).toMatchObject({ state: 'pending', kind: 'cluster', spec: spec() });
    expect(read.observed).toMatchObject({ instances: [], service: { name: 'web', live: null } });
    // Lists stay cheap: the observed view is only on GET of one cluster.
    const list = (await api.request('GET', '/v1/clusters')).json();
    expect(list.items[0]).not.toHaveProperty('observed');
  });

  it('refuses a spec naming a missing or unbuilt image, with what to fix', async () => {
    const missing = await api.request('POST', '/v1/clusters', {
      body: { name: 'x', spec: spec({ image: 'NOPE' }) },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({
      code: 'invalid_spec',
      detail: 'spec.image: no image with id "NOPE"',
    });
    const unbuilt = await api.request('POST', '/v1/clusters', {
      body: { name: 'x', spec: spec({ image: pendingImage }) },
    });
    expect(unbuilt.json()).toMatchObject({
      code: 'invalid_spec',
      detail: `spec.image: image ${pendingImage} is pending; it must be built`,
    });
  });

  it('refuses to destroy an image a cluster uses (409 problem naming the clusters)', async () => {
    const users = (await api.request('GET', '/v1/clusters')).json().items.map((c: { id: string }) => c.id);
    expect(users.length).toBeGreaterThan(0);
    const refused = await api.request('POST', `/v1/images/${builtImage}/runs`, {
      body: { target: 'destroyed', reason: 'cleanup' },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json()).toMatchObject({
      code: 'resource_in_use',
      detail: expect.stringContaining(users[0]),
    });
    expect((await api.request('GET', `/v1/images/${builtImage}`)).json()).toMatchObject({ state: 'built' });
  });

  it('names the field of a malformed spec', async () => {
    for (const [bad, path] of [
      [spec({ size: 0 }), 'body.spec.size'],
      [spec({ service: 'Not A Name' }), 'body.spec.service'],
      [spec({ provider: { balancerPort: 80 } }), 'body.spec.provider.balancerPort'],
    ] as const) {
      const response = await api.request('POST', '/v1/clusters', { body: { name: 'bad', spec: bad } });
      expect(response.statusCode).toBe(400);
      expect(response.json().errors[0].path).toBe(path);
    }
  });

  it('refuses verify outside live and standby (409), and unknown clusters (404)', async () => {
    const created = (
      await api.request('POST', '/v1/clusters', { body: { name: 'web-v', spec: spec() } })
    ).json();
    const refused = await api.request('POST', `/v1/clusters/${created.id}/verify`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'action_not_allowed' });
    expect((await api.request('POST', '/v1/clusters/NOPE/verify')).json().code).toBe('resource_not_found');
    expect((await api.request('GET', '/v1/clusters/NOPE')).statusCode).toBe(404);
  });

  it('describes the cluster machine with its internal events, force rule and verify action', async () => {
    const kind = (await api.request('GET', '/v1/kinds/clusters')).json();
    expect(kind.steps).toEqual(['launch', 'verify', 'promote', 'destroy']);
    expect(kind.targets.find((target: { state: string }) => target.state === 'destroyed')).toMatchObject({
      reasonRequired: true,
      forceFrom: ['live'],
    });
    expect(kind.actions).toMatchObject([{ name: 'verify', allowedIn: ['live', 'standby'] }]);
    expect(kind.transitions).toContainEqual({ from: 'live', to: 'standby', event: 'DEMOTE', internal: true });
    const openapi = (await api.request('GET', '/openapi.json', { token: null })).json();
    expect(openapi.paths['/v1/clusters/{id}/verify'].post.operationId).toBe('verifyCluster');
  });
});
