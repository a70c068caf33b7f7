import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helloImageSpec, startTestSlipway, type TestSlipway } from '../../testing/test-slipway';

/**
 * The three defects of the balancer before services were resources, driven through the cluster
 * API as it was (a service named only by its clusters): each must stay fixed.
 */
let api: TestSlipway;
let image: string;
const pids: number[] = [];

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

async function createCluster(name: string, spec: Record<string, unknown>): Promise<string> {
  const response = await api.request('POST', '/v1/clusters', { body: { name, spec } });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id;
}

async function run(url: string, body: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const response = await api.request('POST', url, { body });
  expect(response.statusCode, response.body).toBe(202);
  return api.waitForRun(response.json().id);
}

async function serviceNamed(name: string): Promise<Record<string, unknown>> {
  const services = (await api.request('GET', '/v1/services')).json();
  const found = services.items?.find((item: { name: string }) => item.name === name);
  expect(found, `no service named ${name}`).toBeDefined();
  return found;
}

async function answers(url: string): Promise<number | string> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).status;
  } catch (error) {
    return `error: ${error instanceof Error ? error.message : String(error)}`;
  }
}

beforeAll(async () => {
  api = await startTestSlipway();
  const created = (
    await api.request('POST', '/v1/images', { body: { name: 'img', spec: helloImageSpec() } })
  ).json();
  expect(await run(`/v1/images/${created.id}/runs`, { target: 'built' })).toMatchObject({
    status: 'succeeded',
  });
  image = created.id;
}, 60_000);

afterAll(async () => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await api.close();
});

describe('the balancer defects of services that were only names', () => {
  it('a taken balancerPort is not recorded for good: a later cluster naming a free port goes live', async () => {
    const held = await holdPort();
    const first = await createCluster('taken-a', {
      service: 'taken',
      image,
      size: 1,
      provider: { balancerPort: held.port },
    });
    // The cluster created its service, whose provisioning fails on the taken port.
    const service = await serviceNamed('taken');
    expect(await api.waitForRun(String(service.activeRunId))).toMatchObject({
      status: 'failed',
      error: { code: 'balancer_start_failed' },
    });
    const refused = await api.request('POST', `/v1/clusters/${first}/runs`, { body: { target: 'live' } });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'service_not_active' });
    await new Promise((done) => held.server.close(done));
    expect(
      await run(`/v1/clusters/${first}/runs`, { target: 'destroyed', reason: 'port was taken' }),
    ).toMatchObject({
      status: 'succeeded',
    });
    const port = await freePort();
    const second = await createCluster('taken-b', {
      service: 'taken',
      image,
      size: 1,
      provider: { balancerPort: port },
    });
    const live = await run(`/v1/clusters/${second}/runs`, { target: 'live' });
    expect(live, JSON.stringify(live)).toMatchObject({ status: 'succeeded' });
    expect(await answers(`http://127.0.0.1:${port}/`)).toBe(200);
    const seen = (await api.request('GET', `/v1/clusters/${second}`)).json();
    for (const instance of seen.observed.instances) pids.push(instance.pid);
    if (seen.observed.balancer) pids.push(seen.observed.balancer.pid);
  }, 60_000);

  it("kill -9 of the balancer fails the live cluster's verify, naming the balancer", async () => {
    const cluster = await createCluster('killed-a', { service: 'killed', image, size: 1 });
    expect(await run(`/v1/clusters/${cluster}/runs`, { target: 'live' })).toMatchObject({
      status: 'succeeded',
    });
    const seen = (await api.request('GET', `/v1/clusters/${cluster}`)).json();
    for (const instance of seen.observed.instances) pids.push(instance.pid);
    const balancerPid: number = seen.observed.balancer.pid;
    process.kill(balancerPid, 'SIGKILL');
    for (let i = 0; i < 100; i += 1) {
      try {
        process.kill(balancerPid, 0);
      } catch {
        break;
      }
      await new Promise((done) => setTimeout(done, 20));
    }
    const verify = await run(`/v1/clusters/${cluster}/verify`);
    expect(verify.status).toBe('failed');
    expect(JSON.stringify(verify.error)).toContain(`pid ${balancerPid}`);
  }, 60_000);

  it('the balancer does not outlive its service: destroying the clusters and then the service closes its port', async () => {
    const cluster = await createCluster('outlive-a', { service: 'outlive', image, size: 1 });
    expect(await run(`/v1/clusters/${cluster}/runs`, { target: 'live' })).toMatchObject({
      status: 'succeeded',
    });
    const seen = (await api.request('GET', `/v1/clusters/${cluster}`)).json();
    pids.push(seen.observed.balancer.pid);
    const url: string = seen.observed.balancer.url;
    expect(
      await run(`/v1/clusters/${cluster}/runs`, { target: 'destroyed', force: true, reason: 'retire' }),
    ).toMatchObject({
      status: 'succeeded',
    });
    const service = await serviceNamed('outlive');
    expect(
      await run(`/v1/services/${service.id}/runs`, { target: 'destroyed', reason: 'retire' }),
    ).toMatchObject({
      status: 'succeeded',
    });
    expect(await answers(url)).toMatch(/^error/);
  }, 60_000);
});
