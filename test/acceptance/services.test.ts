import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bakeImage,
  createCluster,
  freePort,
  isAlive,
  moveCluster,
  versionAt,
  versionsThrough,
} from './support/cluster-api';
import { type RunEntity, waitForRun } from './support/image-api';
import { pollUntil } from './support/poll';
import { killProcessesWithin, processesCarrying } from './support/process-table';
import type { JsonObject } from './support/slipway-process';
import { SlipwayProcess, stopAllSlipways } from './support/slipway-process';

/**
 * A service as a resource, over HTTP with real processes: its balancer is provisioned with it,
 * clusters swap behind it, a balancer killed -9 is noticed by verify and brought back by repair
 * without restarting Slipway, and destroying the service closes its port for good.
 */
interface ServiceEntity {
  id: string;
  name: string;
  state: string;
  status: {
    url?: string;
    port?: number;
    balancer?: { pid: number; answering: boolean } | null;
    liveCluster?: string | null;
    standbyClusters?: string[];
  } & JsonObject;
}

let server: SlipwayProcess;
let port: number;
let url: string;
let service: ServiceEntity;
let v1: string;
let v2: string;
let a: string;
let b: string;

async function getService(id: string): Promise<ServiceEntity> {
  const response = await server.api<ServiceEntity>('GET', `/v1/services/${id}`);
  if (response.status !== 200) throw new Error(`GET /v1/services/${id}: ${response.status} ${response.text}`);
  return response.body;
}

async function serviceRun(path: string, body: JsonObject = {}): Promise<RunEntity> {
  const response = await server.api<RunEntity>('POST', `/v1/services/${service.id}${path}`, body);
  if (response.status !== 202)
    throw new Error(`POST ${path}: ${response.status} ${response.text}\n${server.describe()}`);
  return waitForRun(server, response.body.id);
}

beforeAll(async () => {
  server = await SlipwayProcess.start();
  port = await freePort();
  url = `http://127.0.0.1:${port}/`;
  [v1, v2] = [await bakeImage(server, 'svc-v1', '1.0.0'), await bakeImage(server, 'svc-v2', '2.0.0')];
}, 180_000);

afterAll(async () => {
  await killProcessesWithin(server.dataDir);
  await stopAllSlipways();
});

describe('a service and its balancer, over HTTP only', () => {
  it('creates the service and provisions it: active, its balancer listens on its port', async () => {
    const created = await server.api<ServiceEntity>('POST', '/v1/services', {
      name: 'shop',
      spec: { provider: { type: 'local', port } },
    });
    expect(created.status, created.text).toBe(201);
    service = created.body;
    expect(await serviceRun('/runs', { target: 'active' })).toMatchObject({ status: 'succeeded' });
    service = await getService(service.id);
    expect(service).toMatchObject({
      state: 'active',
      status: { url: `http://127.0.0.1:${port}`, balancer: { answering: true }, liveCluster: null },
    });
    expect(isAlive(service.status.balancer!.pid)).toBe(true);
    // Listening, with no cluster behind it yet.
    expect(await versionAt(url)).toBe('HTTP 503');
  }, 60_000);

  it('two clusters take turns behind it: promote, promote the other, swap back', async () => {
    a = (await createCluster(server, 'shop-a', { service: 'shop', image: v1, size: 2 })).id;
    b = (await createCluster(server, 'shop-b', { service: service.id, image: v2, size: 2 })).id;
    expect(await moveCluster(server, a, { target: 'live', reason: 'first deploy' })).toMatchObject({
      status: 'succeeded',
    });
    expect(await versionsThrough(url)).toEqual(Array(6).fill('1.0.0'));
    expect(await moveCluster(server, b, { target: 'live', reason: 'release 2' })).toMatchObject({
      status: 'succeeded',
    });
    expect(await versionsThrough(url)).toEqual(Array(6).fill('2.0.0'));
    const swapBack = await moveCluster(server, a, { target: 'live', reason: 'swap back' });
    expect(swapBack).toMatchObject({ status: 'succeeded' });
    expect(await versionsThrough(url)).toEqual(Array(6).fill('1.0.0'));
    expect((await getService(service.id)).status).toMatchObject({ liveCluster: a, standbyClusters: [b] });
  }, 120_000);

  it('kill -9 of the balancer: service verify fails naming it, repair brings traffic back, Slipway never restarts', async () => {
    const slipwayPid = server.pid;
    const victim = (await getService(service.id)).status.balancer!.pid;
    process.kill(victim, 'SIGKILL');
    await pollUntil('the balancer to die', async () => (isAlive(victim) ? undefined : true));
    expect(await versionAt(url)).toMatch(/^error/);
    expect((await getService(service.id)).status.balancer).toEqual({ pid: victim, answering: false });

    const verify = await serviceRun('/verify');
    expect(verify.status).toBe('failed');
    expect(verify.error?.code).toBe('verification_failed');
    expect(verify.error?.message).toContain(`pid ${victim}`);
    expect(verify.error?.message).toContain(`port ${port}`);

    const repair = await serviceRun('/repair');
    expect(repair, server.describe()).toMatchObject({ status: 'succeeded' });
    expect(await versionsThrough(url)).toEqual(Array(6).fill('1.0.0'));
    const repaired = (await getService(service.id)).status.balancer!;
    expect(repaired.answering).toBe(true);
    expect(repaired.pid).not.toBe(victim);
    expect(await serviceRun('/verify')).toMatchObject({ status: 'succeeded' });
    expect(server.pid).toBe(slipwayPid);
    expect(isAlive(slipwayPid)).toBe(true);
  }, 60_000);

  it('destroys the clusters, then the service: its port is closed and no process of it is left', async () => {
    const balancer = (await getService(service.id)).status.balancer!.pid;
    expect(await moveCluster(server, b, { target: 'destroyed', reason: 'done' })).toMatchObject({
      status: 'succeeded',
    });
    expect(await moveCluster(server, a, { target: 'destroyed', reason: 'done', force: true })).toMatchObject({
      status: 'succeeded',
    });
    expect(await serviceRun('/runs', { target: 'destroyed', reason: 'shop closed' })).toMatchObject({
      status: 'succeeded',
    });
    expect((await getService(service.id)).state).toBe('destroyed');
    expect(isAlive(balancer)).toBe(false);
    expect(await versionAt(url)).toMatch(/^error/);
    const left = await processesCarrying('SLIPWAY_BALANCER_DIR', join(server.dataDir, 'services', 'shop'));
    expect(left).toEqual([]);
  }, 60_000);
});
