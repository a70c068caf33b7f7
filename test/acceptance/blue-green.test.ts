import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bakeImage,
  type ClusterEntity,
  createCluster,
  freePort,
  getCluster,
  isAlive,
  moveCluster,
  steadyLoad,
  verifyCluster,
  versionAt,
  versionsThrough,
} from './support/cluster-api';
import { type TransitionEntity, transitionsOf } from './support/image-api';
import { pollUntil } from './support/poll';
import { killProcessesWithin } from './support/process-table';
import { SlipwayProcess, stopAllSlipways } from './support/slipway-process';

/**
 * The blue/green story, driven only over HTTP as a script would, and checked against the real
 * effects: processes, ports, and what the service's balancer answers.
 */
let server: SlipwayProcess;
let dataDir: string;
let balancer: string;
let v1: string;
let v2: string;
let a: ClusterEntity;
let b: ClusterEntity;

beforeAll(async () => {
  server = await SlipwayProcess.start();
  dataDir = server.dataDir;
  balancer = `http://127.0.0.1:${await freePort()}/`;
  [v1, v2] = [await bakeImage(server, 'hello-v1', '1.0.0'), await bakeImage(server, 'hello-v2', '2.0.0')];
}, 180_000);

afterAll(async () => {
  // Instances and balancers are detached on purpose; a test run must not leave them behind.
  await killProcessesWithin(dataDir);
  await stopAllSlipways();
});

const settle = () => new Promise((done) => setTimeout(done, 1000));
const balancerPort = () => Number(new URL(balancer).port);
const instancesOf = (cluster: ClusterEntity) => cluster.observed?.instances ?? [];
const story = (transitions: TransitionEntity[]) => transitions.map((t) => `${t.from}>${t.to}:${t.event}`);

async function expectBalancerServes(version: string): Promise<void> {
  // The promote step proves the swap before it answers, so the very next requests must agree.
  expect(await versionsThrough(balancer)).toEqual(Array(6).fill(version));
}

describe('blue/green on local processes, over HTTP only', () => {
  it('deploys cluster A (v1, size 2) to live: two real instances, the balancer answers v1', async () => {
    a = await createCluster(server, 'web-a', {
      service: 'web',
      image: v1,
      size: 2,
      provider: { balancerPort: balancerPort() },
    });
    const run = await moveCluster(server, a.id, { target: 'live', reason: 'first deploy' });
    expect(run, server.describe()).toMatchObject({ status: 'succeeded' });
    a = await getCluster(server, a.id);
    expect(a.state).toBe('live');
    expect(a.observed?.service).toEqual({ name: 'web', live: a.id });
    const instances = instancesOf(a);
    expect(instances).toHaveLength(2);
    for (const instance of instances) {
      expect(isAlive(instance.pid), `instance ${instance.index} pid ${instance.pid}`).toBe(true);
      expect(await versionAt(`http://127.0.0.1:${instance.port}/`)).toBe('1.0.0');
    }
    await expectBalancerServes('1.0.0');
    expect(story(await transitionsOf(server, a.id))).toEqual([
      'pending>launching:LAUNCH',
      'launching>verifying:SUCCESS',
      'verifying>ready:SUCCESS',
      'ready>promoting:PROMOTE',
      'promoting>live:SUCCESS',
    ]);
  }, 120_000);

  it('deploys cluster B (v2) to ready beside it: traffic stays on v1', async () => {
    b = await createCluster(server, 'web-b', { service: 'web', image: v2, size: 2 });
    expect(await moveCluster(server, b.id, { target: 'ready' })).toMatchObject({ status: 'succeeded' });
    b = await getCluster(server, b.id);
    expect(b.observed?.service).toEqual({ name: 'web', live: a.id });
    for (const instance of instancesOf(b))
      expect(await versionAt(`http://127.0.0.1:${instance.port}/`)).toBe('2.0.0');
    await expectBalancerServes('1.0.0');
  }, 120_000);

  it('survives a kill -9 of Slipway: instances and balancer keep serving, and the story carries on', async () => {
    const killed = await server.kill('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    await expectBalancerServes('1.0.0');
    for (const instance of [...instancesOf(a), ...instancesOf(b)]) expect(isAlive(instance.pid)).toBe(true);
    server = await SlipwayProcess.start({ dataDir });
    const again = await getCluster(server, a.id);
    expect(again.state).toBe('live');
    expect(instancesOf(again).map((instance) => [instance.pid, instance.running])).toEqual(
      instancesOf(a).map((instance) => [instance.pid, true]),
    );
  }, 120_000);

  it('promotes B under load: the balancer answers v2, A goes standby with its processes up; zero failed requests', async () => {
    const load = steadyLoad(balancer);
    await settle(); // traffic flowing before the swap starts
    const run = await moveCluster(server, b.id, { target: 'live', reason: 'release 2.0.0' });
    await pollUntil('the balancer to answer v2.0.0', async () =>
      (await versionAt(balancer)) === '2.0.0' ? true : undefined,
    );
    await settle(); // and for a while after it
    const stats = await load.stop();
    console.log(
      `swap A→B under load: ${stats.requests} requests, ${stats.failures} failed, longest ${stats.maxMs.toFixed(1)} ms, by version ${JSON.stringify(stats.versions)}`,
    );
    expect(run).toMatchObject({ status: 'succeeded' });
    expect(stats.failures, stats.errors.join('\n')).toBe(0);
    await expectBalancerServes('2.0.0');
    a = await getCluster(server, a.id);
    b = await getCluster(server, b.id);
    expect([a.state, b.state]).toEqual(['standby', 'live']);
    expect(a.observed?.service).toEqual({ name: 'web', live: b.id });
    for (const instance of instancesOf(a)) {
      expect(isAlive(instance.pid)).toBe(true);
      expect(await versionAt(`http://127.0.0.1:${instance.port}/`)).toBe('1.0.0');
    }
    const inRun = (await transitionsOf(server, a.id)).filter((t) => t.runId === run.id);
    expect(story(inRun)).toEqual(['live>standby:DEMOTE']);
  }, 120_000);

  it('swaps back to A under load: v1 again, B standby; zero failed requests', async () => {
    const load = steadyLoad(balancer);
    await settle(); // traffic flowing before the swap starts
    const run = await moveCluster(server, a.id, { target: 'live', reason: 'swap back' });
    await pollUntil('the balancer to answer v1.0.0', async () =>
      (await versionAt(balancer)) === '1.0.0' ? true : undefined,
    );
    await settle(); // and for a while after it
    const stats = await load.stop();
    console.log(
      `swap B→A under load: ${stats.requests} requests, ${stats.failures} failed, longest ${stats.maxMs.toFixed(1)} ms, by version ${JSON.stringify(stats.versions)}`,
    );
    expect(run).toMatchObject({ status: 'succeeded' });
    expect(stats.failures, stats.errors.join('\n')).toBe(0);
    await expectBalancerServes('1.0.0');
    expect([(await getCluster(server, a.id)).state, (await getCluster(server, b.id)).state]).toEqual([
      'live',
      'standby',
    ]);
  }, 120_000);

  it('destroys B: its processes stop and its ports close; A keeps serving', async () => {
    const pids = instancesOf(b).map((instance) => instance.pid);
    expect(await moveCluster(server, b.id, { target: 'destroyed', reason: 'v2 rolled back' })).toMatchObject({
      status: 'succeeded',
    });
    expect(pids.filter(isAlive)).toEqual([]);
    for (const instance of instancesOf(b))
      expect(await versionAt(`http://127.0.0.1:${instance.port}/`)).toMatch(/^error/);
    expect((await getCluster(server, b.id)).state).toBe('destroyed');
    await expectBalancerServes('1.0.0');
  }, 120_000);

  it('refuses to destroy the live cluster without force', async () => {
    const response = await server.api('POST', `/v1/clusters/${a.id}/runs`, {
      target: 'destroyed',
      reason: 'oops',
    });
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ code: 'force_required' });
    expect((await getCluster(server, a.id)).state).toBe('live');
  });

  it('verify passes on the live cluster, and names the instance killed by hand', async () => {
    expect(await verifyCluster(server, a.id)).toMatchObject({ status: 'succeeded' });
    const [victim] = instancesOf(a);
    process.kill(victim!.pid, 'SIGKILL');
    await pollUntil('the instance to die', async () => (isAlive(victim!.pid) ? undefined : true));
    const run = await verifyCluster(server, a.id);
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('verification_failed');
    expect(run.error?.message).toContain(`pid ${victim!.pid}`);
    expect(run.error?.message).toContain(`port ${victim!.port}`);
    const last = (await transitionsOf(server, a.id)).at(-1)!;
    expect(last).toMatchObject({
      from: 'live',
      to: 'live',
      event: 'VERIFY',
      outcome: 'failed',
      runId: run.id,
    });
    const seen = await getCluster(server, a.id);
    expect(seen.observed?.instances?.find((instance) => instance.pid === victim!.pid)?.running).toBe(false);
  }, 60_000);

  it('force-destroys the live cluster with a reason: everything it started is gone', async () => {
    const pids = instancesOf(a).map((instance) => instance.pid);
    const run = await moveCluster(server, a.id, { target: 'destroyed', force: true, reason: 'end of story' });
    expect(run).toMatchObject({ status: 'succeeded' });
    expect(pids.filter(isAlive)).toEqual([]);
    expect(await versionAt(balancer)).not.toBe('1.0.0');
  }, 60_000);
});
