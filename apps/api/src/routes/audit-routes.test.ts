import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helloImageSpec, startTestSlipway, type TestSlipway } from '../../testing/test-slipway';

let api: TestSlipway;
let imageId: string;
let clusterId: string;

async function run(path: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await api.request('POST', `${path}/runs`, { body, headers });
  expect(response.statusCode).toBe(202);
  return api.waitForRun(response.json().id);
}

beforeAll(async () => {
  api = await startTestSlipway();
  imageId = (
    await api.request('POST', '/v1/images', { body: { name: 'audit-img', spec: helloImageSpec() } })
  ).json().id;
  expect(await run(`/v1/images/${imageId}`, { target: 'built' })).toMatchObject({ status: 'succeeded' });
  clusterId = (
    await api.request('POST', '/v1/clusters', {
      body: { name: 'web-7', spec: { service: 'web-production', image: imageId, size: 1 } },
    })
  ).json().id;
  expect(await run(`/v1/clusters/${clusterId}`, { target: 'ready' })).toMatchObject({ status: 'succeeded' });
  expect(
    await run(
      `/v1/clusters/${clusterId}`,
      { target: 'destroyed', reason: 'replaced by web-8 after incident 42' },
      { 'x-request-id': 'req-destroy-web-7' },
    ),
  ).toMatchObject({ status: 'succeeded' });
}, 120_000);
afterAll(async () => api.close());

describe('audit over the API', () => {
  it('answers "who destroyed cluster web-7, and why?" in one request', async () => {
    const response = await api.request('GET', `/v1/clusters/${clusterId}/history?order=desc&limit=1`);
    expect(response.statusCode).toBe(200);
    const [last] = response.json().items;
    expect(last).toMatchObject({
      to: 'destroyed',
      actor: 'admin',
      reason: 'replaced by web-8 after incident 42',
      requestId: 'req-destroy-web-7',
      target: 'destroyed',
      step: 'destroy',
      groups: { service: 'web-production', provider: 'local' },
    });
    // The same answer from the audit search, by service and entered state.
    const search = await api.request(
      'GET',
      '/v1/transitions?kind=cluster&service=web-production&to=destroyed',
    );
    expect(
      search.json().items.map((t: { resourceId: string; reason: string }) => [t.resourceId, t.reason]),
    ).toEqual([[clusterId, 'replaced by web-8 after incident 42']]);
  });

  it('lists and filters runs, newest first', async () => {
    const all = (await api.request('GET', '/v1/runs?limit=10')).json().items;
    // The cluster's create made its service, web-production, and its run to active; the first
    // start made the admin user active.
    expect(all.map((r: { kind: string; target: string }) => `${r.kind}:${r.target}`)).toEqual([
      'cluster:destroyed',
      'cluster:ready',
      'service:active',
      'image:built',
      'user:active',
    ]);
    const destroys = (
      await api.request('GET', '/v1/runs?kind=cluster&target=destroyed&actor=admin&status=succeeded')
    ).json().items;
    expect(destroys).toHaveLength(1);
    expect(destroys[0]).toMatchObject({
      resourceId: clusterId,
      reason: 'replaced by web-8 after incident 42',
    });
    const bad = await api.request('GET', '/v1/runs?status=nope');
    expect(bad.statusCode).toBe(400);
  });

  it('hides destroyed resources unless asked', async () => {
    const ids = (query: string) =>
      api.request('GET', `/v1/clusters${query}`).then((r) => r.json().items.map((c: { id: string }) => c.id));
    expect(await ids('')).toEqual([]);
    expect(await ids('?includeDestroyed=true')).toEqual([clusterId]);
    expect(await ids('?state=destroyed')).toEqual([clusterId]);
  });

  it('reports deploy and bake times from the rollups, as JSON and CSV', async () => {
    const deploy = (
      await api.request('GET', '/v1/analytics/durations?kind=cluster&target=ready&groupBy=service')
    ).json();
    expect(deploy).toMatchObject({ kind: 'cluster', target: 'ready', groupBy: 'service' });
    expect(deploy.groups).toHaveLength(1);
    expect(deploy.groups[0]).toMatchObject({
      group: 'web-production',
      runs: { count: 1, failures: 0, failureRate: 0 },
    });
    expect(Object.keys(deploy.groups[0].steps).sort()).toEqual(['launch', 'verify']);
    const bake = (await api.request('GET', '/v1/analytics/durations?kind=image')).json();
    expect(bake).toMatchObject({
      target: 'built',
      measures: 'bake time',
      groups: [{ group: 'all', runs: { count: 1 } }],
    });
    const csv = await api.request('GET', '/v1/analytics/durations?kind=image&groupBy=day', {
      headers: { accept: 'text/csv' },
    });
    expect(csv.headers['content-type']).toContain('text/csv');
    const [header, first] = csv.body.trim().split('\n');
    expect(header).toBe(
      'group,series,count,failures,failureRate,meanMs,p50Ms,p90Ms,p95Ms,p99Ms,maxMs,meanTimeBetweenFailuresMs,meanTimeToRecoveryMs',
    );
    expect(first).toMatch(/^\d{4}-\d\d-\d\d,run,1,0,0,/);
  });

  it('refuses a groupBy the kind does not declare, naming those that apply', async () => {
    const refused = await api.request('GET', '/v1/analytics/durations?kind=image&groupBy=service');
    expect(refused.statusCode).toBe(400);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json()).toMatchObject({
      code: 'dimension_not_applicable',
      detail: 'groupBy=service does not apply to kind "image"; use one of: day, week, target, provider.',
    });
    const unknown = await api.request('GET', '/v1/analytics/durations?groupBy=color');
    expect(unknown.statusCode).toBe(400);
  });
});

describe('recovery', () => {
  it('rolls up the time from a failed bake to the next successful one as the mean time to recovery', async () => {
    const flaky = (
      await api.request('POST', '/v1/images', {
        body: { name: 'flaky-img', spec: helloImageSpec({ build: 'exit 3' }) },
      })
    ).json().id;
    const failed = await run(`/v1/images/${flaky}`, { target: 'built' });
    expect(failed).toMatchObject({ status: 'failed', failingSince: null });
    const again = await run(`/v1/images/${flaky}`, { target: 'built' });
    expect(again).toMatchObject({ status: 'failed', failingSince: failed.finishedAt });
    const fixed = await api.request('PATCH', `/v1/images/${flaky}`, { body: { spec: helloImageSpec() } });
    expect(fixed.statusCode).toBe(200);
    const recovered = await run(`/v1/images/${flaky}`, { target: 'built' });
    expect(recovered).toMatchObject({ status: 'succeeded', failingSince: failed.finishedAt });
    const report = (await api.request('GET', '/v1/analytics/durations?kind=image')).json();
    expect(report.groups[0]).toMatchObject({
      runs: { count: 4, failures: 2, failureRate: 0.5 },
      recoveries: 1,
      meanTimeToRecoveryMs: Date.parse(String(recovered.finishedAt)) - Date.parse(String(failed.finishedAt)),
    });
  });
});
