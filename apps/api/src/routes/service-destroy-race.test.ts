import { holdServiceLock, serviceContext } from '@slipway/ops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helloImageSpec, startTestSlipway, type TestSlipway } from '../../testing/test-slipway';
import { destroyRecheckHook } from '../kinds/service-destroy-guard';

/**
 * A service's destroy against its clusters' promotes, with one walker slot (SLIPWAY_CONCURRENCY=1)
 * and a service's balancer lock held by the test, so a promote waits in `promoting` or a run waits
 * queued exactly where each case needs it.
 */
let api: TestSlipway;
let image: string;

async function created(url: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await api.request('POST', url, { body });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

async function accepted(url: string, body: Record<string, unknown>): Promise<string> {
  const response = await api.request('POST', url, { body });
  expect(response.statusCode, response.body).toBe(202);
  return String(response.json().id);
}

async function activeService(name: string): Promise<string> {
  const service = await created('/v1/services', { name, spec: {} });
  const run = await accepted(`/v1/services/${service.id}/runs`, { target: 'active' });
  expect(await api.waitForRun(run)).toMatchObject({ status: 'succeeded' });
  return String(service.id);
}

async function readyCluster(name: string, service: string): Promise<string> {
  const cluster = await created('/v1/clusters', { name, spec: { service, image, size: 1 } });
  const run = await accepted(`/v1/clusters/${cluster.id}/runs`, { target: 'ready' });
  expect(await api.waitForRun(run)).toMatchObject({ status: 'succeeded' });
  return String(cluster.id);
}

async function stateOf(kind: string, id: string): Promise<string> {
  return String((await api.request('GET', `/v1/${kind}/${id}`)).json().state);
}

async function untilState(kind: string, id: string, state: string): Promise<void> {
  for (let i = 0; i < 600 && (await stateOf(kind, id)) !== state; i++) {
    await new Promise((done) => setTimeout(done, 50));
  }
  expect(await stateOf(kind, id)).toBe(state);
}

const destroy = (service: string, force = false) =>
  api.request('POST', `/v1/services/${service}/runs`, {
    body: { target: 'destroyed', reason: 'retired', ...(force ? { force: true } : {}) },
  });

beforeAll(async () => {
  api = await startTestSlipway({ SLIPWAY_CONCURRENCY: '1' });
  const img = await created('/v1/images', { name: 'img', spec: helloImageSpec() });
  expect(
    await api.waitForRun(await accepted(`/v1/images/${img.id}/runs`, { target: 'built' })),
  ).toMatchObject({
    status: 'succeeded',
  });
  image = String(img.id);
}, 60_000);
afterAll(async () => api.close());

describe('destroying a service while one of its clusters is promoted', () => {
  it('refuses the destroy, forced or not, while a cluster is promoting; the promote then goes live', async () => {
    const service = await activeService('mid-promote');
    const cluster = await readyCluster('mid-promote-a', 'mid-promote');
    const lock = await holdServiceLock(api.dataDir, 'mid-promote');
    const promote = await accepted(`/v1/clusters/${cluster}/runs`, { target: 'live' });
    await untilState('clusters', cluster, 'promoting');

    for (const force of [false, true]) {
      const refused = await destroy(service, force);
      expect(refused.statusCode, refused.body).toBe(409);
      expect(refused.json()).toMatchObject({ code: 'run_conflict', activeRunId: promote, cluster });
    }
    // The step's own recheck says the same of a destroy that got past the request-time check.
    const context = serviceContext('mid-promote', {}, 'destroy');
    const hooked = await destroyRecheckHook(api.slipway.store).run({
      ...context,
      run: { ...context.run, force: true },
      stepOutputs: {},
    });
    expect(hooked).toMatchObject({ ok: false, error: { code: 'run_conflict' } });
    expect(hooked.ok || hooked.error.message).toContain('Nothing was stopped');

    lock.release();
    expect(await api.waitForRun(promote)).toMatchObject({ status: 'succeeded' });
    expect([await stateOf('services', service), await stateOf('clusters', cluster)]).toEqual([
      'active',
      'live',
    ]);
    // Live, it is the ordinary rule again: force (with the reason) is needed.
    expect((await destroy(service)).json()).toMatchObject({ code: 'service_has_live_cluster' });
  }, 60_000);

  it('refuses the destroy while a promote is queued, and a promote while a destroy is queued', async () => {
    await activeService('slot');
    const blocker = await readyCluster('slot-a', 'slot');
    const kept = await activeService('queued-promote');
    const cluster = await readyCluster('queued-promote-a', 'queued-promote');
    const retired = await activeService('queued-destroy');
    const other = await readyCluster('queued-destroy-a', 'queued-destroy');
    // The one walker slot is held by a promote of another service, waiting on that service's lock.
    const lock = await holdServiceLock(api.dataDir, 'slot');
    const held = await accepted(`/v1/clusters/${blocker}/runs`, { target: 'live' });
    await untilState('clusters', blocker, 'promoting');

    const promote = await accepted(`/v1/clusters/${cluster}/runs`, { target: 'live' });
    for (const force of [false, true]) {
      const refused = await destroy(kept, force);
      expect(refused.statusCode, refused.body).toBe(409);
      expect(refused.json()).toMatchObject({ code: 'run_conflict', activeRunId: promote });
    }

    const destroyed = await destroy(retired);
    expect(destroyed.statusCode, destroyed.body).toBe(202);
    const refused = await api.request('POST', `/v1/clusters/${other}/runs`, { body: { target: 'live' } });
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'service_not_active', activeRunId: destroyed.json().id });

    lock.release();
    expect(await api.waitForRun(held)).toMatchObject({ status: 'succeeded' });
    expect(await api.waitForRun(promote)).toMatchObject({ status: 'succeeded' });
    expect(await api.waitForRun(destroyed.json().id)).toMatchObject({ status: 'succeeded' });
    expect([await stateOf('services', kept), await stateOf('clusters', cluster)]).toEqual(['active', 'live']);
    expect([await stateOf('services', retired), await stateOf('clusters', other)]).toEqual([
      'destroyed',
      'ready',
    ]);
  }, 90_000);

  it('concurrent promote and destroy requests never leave a live cluster on a destroyed service', async () => {
    for (const round of [1, 2, 3]) {
      const name = `race-${round}`;
      const service = await activeService(name);
      const cluster = await readyCluster(`${name}-a`, name);
      const [promote, destroyed] = await Promise.all([
        api.request('POST', `/v1/clusters/${cluster}/runs`, { body: { target: 'live' } }),
        destroy(service),
      ]);
      for (const response of [promote, destroyed]) {
        expect([202, 409], response.body).toContain(response.statusCode);
        if (response.statusCode === 202) await api.waitForRun(String(response.json().id));
      }
      const states = [await stateOf('services', service), await stateOf('clusters', cluster)];
      expect(states, JSON.stringify({ promote: promote.body, destroyed: destroyed.body })).not.toEqual([
        'destroyed',
        'live',
      ]);
      if (states[1] === 'live') {
        const run = await accepted(`/v1/clusters/${cluster}/runs`, {
          target: 'destroyed',
          reason: 'race over',
          force: true,
        });
        await api.waitForRun(run);
      }
    }
  }, 120_000);
});

describe('a promote admitted before its service was frozen', () => {
  it('is refused at its step (service_frozen), before any traffic moves', async () => {
    await activeService('freeze-slot');
    const blocker = await readyCluster('freeze-slot-a', 'freeze-slot');
    const service = await activeService('late-freeze');
    const cluster = await readyCluster('late-freeze-a', 'late-freeze');
    const lock = await holdServiceLock(api.dataDir, 'freeze-slot');
    const held = await accepted(`/v1/clusters/${blocker}/runs`, { target: 'live' });
    await untilState('clusters', blocker, 'promoting');

    const promote = await accepted(`/v1/clusters/${cluster}/runs`, { target: 'live' });
    const frozen = await api.request('PATCH', `/v1/services/${service}`, {
      body: { frozen: true, reason: 'incident 42' },
    });
    expect(frozen.statusCode, frozen.body).toBe(200);
    lock.release();
    expect(await api.waitForRun(held)).toMatchObject({ status: 'succeeded' });
    const refused = await api.waitForRun(promote);
    expect(refused).toMatchObject({ status: 'failed', error: { code: 'service_frozen' } });
    expect(JSON.stringify(refused.error)).toContain('incident 42');
    expect(await stateOf('clusters', cluster)).not.toBe('live');
    const seen = (await api.request('GET', `/v1/services/${service}`)).json();
    expect(seen.status).toMatchObject({ liveCluster: null });
  }, 90_000);
});
