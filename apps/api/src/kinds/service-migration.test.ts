import { mkdtemp, realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterSpec, Resource } from '@slipway/domain';
import { localClusterProvider } from '@slipway/ops';
import { bakeHelloImage, clusterContext, provisionService } from '@slipway/ops/testing';
import { LmdbStore } from '@slipway/persistence';
import { afterEach, describe, expect, it } from 'vitest';
import { helloImageSpec, startTestSlipway, type TestSlipway } from '../../testing/test-slipway';

/**
 * A data directory as a Slipway before services were resources left it: a live cluster naming
 * its service only by name, and that service's balancer running, found through its record file.
 */
async function writeOldDataDir(dataDir: string): Promise<{ clusterId: string; url: string; pid: number }> {
  const image = await bakeHelloImage(join(dataDir, 'old-images'), 'IMGOLD', '1.0.0');
  const clusterId = '01JOLDC1USTER000000000000A';
  const spec: ClusterSpec = { service: 'legacy', image: image.id, size: 2 };
  const now = new Date().toISOString();
  const store = await LmdbStore.open({ path: join(dataDir, 'db') });
  try {
    await store.createResource({ ...image, seq: 0, version: 1 });
    const cluster: Resource = {
      id: clusterId,
      kind: 'cluster',
      name: 'legacy-a',
      state: 'live',
      version: 1,
      seq: 0,
      spec,
      status: {},
      labels: {},
      activeRunId: null,
      createdAt: now,
      updatedAt: now,
    };
    await store.createResource(cluster);
  } finally {
    await store.close();
  }
  const clusters = localClusterProvider({
    dataDir,
    getResource: async (id) => (id === image.id ? image : null),
  });
  const url = await provisionService(dataDir, 'legacy');
  for (const step of ['launch', 'promote'] as const) {
    const outcome = await clusters.steps[step](clusterContext(clusterId, spec, step));
    if (!outcome.ok) throw new Error(`${step}: ${outcome.error.message}`);
  }
  const observed = await clusters.observe(
    clusterContext(clusterId, spec, 'verify', { state: 'live' }).resource,
  );
  return { clusterId, url, pid: observed.balancer!.pid };
}

let api: TestSlipway | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('start-up migration of services named only by clusters', () => {
  it('adopts the running balancer as an active service, one ADOPT transition, without a dropped request', async () => {
    const dataDir = await realpath(await mkdtemp(join(tmpdir(), 'slipway-migrate-')));
    const old = await writeOldDataDir(dataDir);

    let running = true;
    const answers: (number | string)[] = [];
    const load = (async () => {
      while (running) {
        try {
          answers.push((await fetch(`${old.url}/`, { signal: AbortSignal.timeout(5000) })).status);
        } catch (error) {
          answers.push(`error: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    })();
    await new Promise((done) => setTimeout(done, 200));
    api = await startTestSlipway({}, { dataDir });
    await new Promise((done) => setTimeout(done, 200));
    running = false;
    await load;
    expect(answers.length).toBeGreaterThan(5);
    expect(answers.filter((answer) => answer !== 200)).toEqual([]);

    const services = (await api.request('GET', '/v1/services')).json().items;
    expect(services).toHaveLength(1);
    const [listed] = services;
    const service = (await api.request('GET', `/v1/services/${listed.id}`)).json();
    expect(service).toMatchObject({
      name: 'legacy',
      state: 'active',
      status: {
        url: old.url,
        balancer: { pid: old.pid, answering: true },
        liveCluster: old.clusterId,
        standbyClusters: [],
      },
    });
    const trail = (await api.request('GET', `/v1/transitions?resourceId=${service.id}`)).json().items;
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({
      from: 'pending',
      to: 'active',
      event: 'ADOPT',
      actor: 'slipway',
      outputs: { adoptedFrom: join(dataDir, 'services', 'legacy', 'balancer.json'), url: old.url },
    });
    const run = (await api.request('GET', `/v1/runs/${trail[0].runId}`)).json();
    expect(run).toMatchObject({ status: 'succeeded', requestedBy: 'slipway' });
    expect(run.reason).toContain('Adopted from');
    // The cluster still names it by name, and its verify now checks the adopted balancer too.
    const verify = await api.request('POST', `/v1/clusters/${old.clusterId}/verify`, { body: {} });
    expect(verify.statusCode, verify.body).toBe(202);
    expect(await api.waitForRun(verify.json().id)).toMatchObject({ status: 'succeeded' });
  }, 60_000);

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

    api = await startTestSlipway({}, { dataDir });
    const services = (await api.request('GET', '/v1/services?includeDestroyed=true')).json().items;
    expect(services.map((item: { id: string; state: string }) => [item.id, item.state])).toEqual([
      [service.id, 'destroyed'],
    ]);
  }, 60_000);
});
