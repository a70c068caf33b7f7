import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterSpec } from '@slipway/domain';
import { describe, expect, it } from 'vitest';
import { clusterContext } from '../../../testing/local/cluster/cluster-context';
import { outputsOf, useClusterSandbox } from '../../../testing/local/cluster/cluster-sandbox';
import {
  provisionService,
  serviceContext,
  testServiceProvider,
} from '../../../testing/local/service/service-context';
import { portClosed } from '../../verify/port-closed';
import { processRunning } from '../../verify/process-running';
import { freePort } from './free-port';
import type { LocalClusterProvider } from './local-cluster-provider';

interface Promoted {
  service: string;
  balancer: { url: string; pid: number; adminUrl: string };
  upstreams: string[];
  generation: number;
}

async function versionAt(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
  expect(response.status).toBe(200);
  return ((await response.json()) as { version: unknown }).version;
}

describe('localClusterProvider: promote and the service balancer', () => {
  const sandbox = useClusterSandbox('slipway-balancer-', { img1: '1.0.0', img2: '2.0.0' });
  const provider = () => sandbox.provider();
  const spec = (image: string, overrides: Partial<ClusterSpec> = {}): ClusterSpec => ({
    service: 'web',
    image,
    size: 2,
    ...overrides,
  });
  const step = async (
    on: LocalClusterProvider,
    id: string,
    clusterSpec: ClusterSpec,
    name: keyof LocalClusterProvider['steps'],
  ) => {
    const context = clusterContext(id, clusterSpec, name);
    return outputsOf(await on.steps[name](context), context.lines);
  };
  const launched = async (id: string, clusterSpec: ClusterSpec) => {
    // The service owns the balancer: provisioned (once) before any of its clusters is promoted.
    if (!existsSync(join(sandbox.dataDir, 'services', clusterSpec.service, 'balancer.json'))) {
      await provisionService(sandbox.dataDir, clusterSpec.service, clusterSpec.provider?.balancerPort);
    }
    const on = provider();
    await step(on, id, clusterSpec, 'launch');
    await step(on, id, clusterSpec, 'verify');
  };
  const promote = async (id: string, clusterSpec: ClusterSpec, on = provider()) =>
    (await step(on, id, clusterSpec, 'promote')) as unknown as Promoted;

  it('promote A then B: the balancer answers A’s version, then B’s, and A keeps running in standby', async () => {
    const a = spec('img1');
    const b = spec('img2');
    await launched('cla', a);
    await launched('clb', b);

    const first = await promote('cla', a);
    expect(first.service).toBe('web');
    expect(await versionAt(first.balancer.url)).toBe('1.0.0');

    const second = await promote('clb', b);
    expect(second.balancer).toEqual(first.balancer);
    expect(second.generation).toBeGreaterThan(first.generation);
    for (let i = 0; i < 4; i += 1) expect(await versionAt(second.balancer.url)).toBe('2.0.0');

    const standby = await provider().observe(
      clusterContext('cla', a, 'verify', { state: 'standby' }).resource,
    );
    expect(standby.instances.every((instance) => instance.running && instance.portOpen)).toBe(true);
    expect(standby.balancer).toMatchObject({
      running: true,
      upstreamClusterId: 'clb',
      pid: first.balancer.pid,
    });
    expect(
      (await provider().steps.verify!(clusterContext('cla', a, 'verify', { state: 'standby' }))).ok,
    ).toBe(true);

    // A retried promote (same cluster, already live) re-proves without another swap.
    const again = await promote('clb', b);
    expect(again.generation).toBe(second.generation);
  });

  it('swap under load: a steady stream through the balancer while B is promoted and A promoted back loses nothing', async () => {
    const a = spec('img1');
    const b = spec('img2');
    await launched('cla', a);
    await launched('clb', b);
    const { balancer } = await promote('cla', a);

    interface Sample {
      start: number;
      end: number;
      version: unknown;
    }
    const samples: Sample[] = [];
    const failures: string[] = [];
    let running = true;
    const loop = async () => {
      while (running) {
        const start = performance.now();
        try {
          const response = await fetch(balancer.url, { signal: AbortSignal.timeout(5000) });
          const body = (await response.json()) as { version?: unknown };
          if (response.status !== 200) failures.push(`status ${response.status}: ${JSON.stringify(body)}`);
          samples.push({ start, end: performance.now(), version: body.version });
        } catch (error) {
          failures.push(
            error instanceof Error ? `${error.message} ${String(error.cause ?? '')}` : String(error),
          );
        }
      }
    };
    const loops = Array.from({ length: 20 }, loop);
    const pause = () => new Promise((resolve) => setTimeout(resolve, 400));
    await pause();
    const toB = performance.now();
    await promote('clb', b);
    const onB = performance.now();
    await pause();
    const toA = performance.now();
    await promote('cla', a);
    const onA = performance.now();
    await pause();
    running = false;
    await Promise.all(loops);

    const longest = Math.max(...samples.map((sample) => sample.end - sample.start));
    console.log(
      `swap under load: ${samples.length + failures.length} requests, ${failures.length} failed, longest ${longest.toFixed(1)} ms; promote to B took ${(onB - toB).toFixed(0)} ms, back to A ${(onA - toA).toFixed(0)} ms`,
    );
    expect(failures).toEqual([]);
    expect(samples.length).toBeGreaterThan(100);
    // Between the swaps, every request that started after promote B answered and ended before
    // promote A began was served by B: the swap is complete once promote answers.
    const duringB = samples.filter((sample) => sample.start > onB && sample.end < toA);
    expect(duringB.length).toBeGreaterThan(10);
    expect(new Set(duringB.map((sample) => sample.version))).toEqual(new Set(['2.0.0']));
    const afterA = samples.filter((sample) => sample.start > onA);
    expect(afterA.length).toBeGreaterThan(10);
    expect(new Set(afterA.map((sample) => sample.version))).toEqual(new Set(['1.0.0']));
  });

  it("the balancer outlives the provider: a new one finds it through balancer.json, and the service's restore re-points or restarts it", async () => {
    const a = spec('img1');
    const b = spec('img2');
    await launched('cla', a);
    await launched('clb', b);
    const first = await promote('cla', a);

    // "Restart": a new provider object over the same data directory.
    const restarted = provider();
    const toB = await promote('clb', b, restarted);
    expect(toB.balancer.pid).toBe(first.balancer.pid);
    expect(await versionAt(first.balancer.url)).toBe('2.0.0');

    // Suppose the store says A is live (B's promote never got recorded): restore follows the store.
    const live = clusterContext('cla', a, 'verify', { state: 'live' }).resource;
    const services = () => testServiceProvider(sandbox.dataDir, async () => ({ live, standby: [] }));
    expect(await services().restore('web')).toEqual({
      service: 'web',
      ok: true,
      message: expect.stringContaining('pointed the balancer of web at cla'),
    });
    expect(await versionAt(first.balancer.url)).toBe('1.0.0');

    // After a reboot the balancer is gone: restore starts a new one on the service's port.
    process.kill(first.balancer.pid, 'SIGKILL');
    await expect.poll(async () => (await processRunning(first.balancer.pid)).ok).toBe(false);
    expect(await services().restore('web')).toMatchObject({
      ok: true,
      message: expect.stringContaining('started the balancer of web'),
    });
    const observed = await provider().observe(live);
    expect(observed.balancer).toMatchObject({
      url: first.balancer.url,
      running: true,
      upstreamClusterId: 'cla',
    });
    expect(observed.balancer?.pid).not.toBe(first.balancer.pid);
    expect(await versionAt(first.balancer.url)).toBe('1.0.0');

    expect((await services().restore('web')).message).toContain('runs and points at cla');

    // A live cluster whose instance table cannot be read: restore, repair and verify refuse and the
    // balancer keeps serving what it served, rather than being emptied and called a success.
    const unrecorded = clusterContext('clx', a, 'verify', { state: 'live' }).resource;
    const toUnrecorded = () =>
      testServiceProvider(sandbox.dataDir, async () => ({ live: unrecorded, standby: [] }));
    expect(await toUnrecorded().restore('web')).toMatchObject({
      ok: false,
      message: expect.stringContaining('live cluster clx has no recorded instances'),
    });
    expect(await versionAt(first.balancer.url)).toBe('1.0.0');
    const repair = serviceContext('web', {}, 'repair');
    const repaired = await toUnrecorded().steps.repair(repair);
    expect(repaired).toMatchObject({ ok: false });
    expect(repaired.ok ? '' : repaired.error.message).toContain('live cluster clx has no recorded instances');
    expect(await versionAt(first.balancer.url)).toBe('1.0.0');
    const verified = await toUnrecorded().steps.verify(serviceContext('web', {}, 'verify'));
    expect(verified.ok ? '' : verified.error.message).toContain('live cluster clx has no recorded instances');

    // Instances do not come back by themselves: restore says so instead of claiming success.
    const instance = observed.instances[1]!;
    process.kill(-instance.pid, 'SIGKILL');
    await expect.poll(async () => (await processRunning(instance.pid)).ok).toBe(false);
    expect(await services().restore('web')).toMatchObject({
      ok: false,
      message: expect.stringContaining('instance(s) 1 of cla are not running'),
    });
  });

  it('uses the port the service was provisioned with, whatever a later cluster names', async () => {
    const port = await freePort();
    const a = spec('img1', { provider: { balancerPort: port } });
    const b = spec('img2', { provider: { balancerPort: await freePort() } });
    await launched('cla', a);
    await launched('clb', b);
    expect((await promote('cla', a)).balancer.url).toBe(`http://127.0.0.1:${port}`);
    expect((await promote('clb', b)).balancer.url).toBe(`http://127.0.0.1:${port}`);
    const record = JSON.parse(
      readFileSync(join(sandbox.dataDir, 'services', 'web', 'balancer.json'), 'utf8'),
    );
    expect(record).toMatchObject({ port, portFrom: 'spec', clusterId: 'clb' });
  });

  it('will not promote a cluster with an instance down, and leaves the balancer serving the live one', async () => {
    const a = spec('img1');
    const b = spec('img2');
    await launched('cla', a);
    await launched('clb', b);
    const { balancer } = await promote('cla', a);
    const victim = (await provider().observe(clusterContext('clb', b, 'verify').resource)).instances[0]!;
    process.kill(-victim.pid, 'SIGKILL');
    await expect.poll(async () => (await processRunning(victim.pid)).ok).toBe(false);

    const outcome = await provider().steps.promote!(clusterContext('clb', b, 'promote'));
    expect(outcome).toMatchObject({ ok: false, error: { code: 'instances_not_ready' } });
    if (!outcome.ok)
      expect(outcome.error.message).toContain(`instance 0 (pid ${victim.pid}, port ${victim.port})`);
    expect(await versionAt(balancer.url)).toBe('1.0.0');
  });

  it('a forced destroy of the live cluster empties the balancer, which then answers 503', async () => {
    const a = spec('img1');
    await launched('cla', a);
    const { balancer } = await promote('cla', a);
    const destroyed = await step(provider(), 'cla', a, 'destroy');
    expect(destroyed.stopped).toHaveLength(2);

    const response = await fetch(balancer.url);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect((await processRunning(balancer.pid)).ok).toBe(true);
    const record = JSON.parse(
      readFileSync(join(sandbox.dataDir, 'services', 'web', 'balancer.json'), 'utf8'),
    );
    expect(record).toMatchObject({ clusterId: null, upstreams: [] });

    // Retiring the service is a separate, explicit act.
    expect(await provider().stopBalancer('web')).toEqual({ stopped: [balancer.pid] });
    expect((await processRunning(balancer.pid)).ok).toBe(false);
    expect((await portClosed('127.0.0.1', Number(new URL(balancer.url).port), 1000)).ok).toBe(true);
  });

  it('cleanup after a cancelled promote puts traffic back on the cluster that was live', async () => {
    const a = spec('img1');
    const b = spec('img2');
    await launched('cla', a);
    await launched('clb', b);
    const { balancer } = await promote('cla', a);
    await promote('clb', b);
    expect(await versionAt(balancer.url)).toBe('2.0.0');

    await provider().cleanup!(clusterContext('clb', b, 'promote'));
    expect(await versionAt(balancer.url)).toBe('1.0.0');
    const observed = await provider().observe(clusterContext('clb', b, 'verify').resource);
    expect(observed.balancer?.upstreamClusterId).toBe('cla');
  });
});
