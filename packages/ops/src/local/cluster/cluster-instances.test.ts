import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ClusterSpec, StepOutcome } from '@slipway/domain';
import { describe, expect, it } from 'vitest';
import { clusterContext } from '../../../testing/local/cluster/cluster-context';
import { outputsOf, useClusterSandbox } from '../../../testing/local/cluster/cluster-sandbox';
import { until } from '../../../testing/local/poll';
import { portClosed } from '../../verify/port-closed';
import { processRunning } from '../../verify/process-running';
import { liveGroupMembers } from '../process-group';
import { CLUSTER_DIR_ENV, findMarkedProcesses } from './marked-processes';

interface LaunchedInstance {
  index: number;
  pid: number;
  port: number;
  url: string;
}

async function answer(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('localClusterProvider: instances', () => {
  const sandbox = useClusterSandbox('slipway-cluster-', { img1: '1.0.0' });
  const { images } = sandbox;
  const provider = () => sandbox.provider();
  const spec = (overrides: Partial<ClusterSpec> = {}): ClusterSpec => ({
    service: 'web',
    image: 'img1',
    size: 2,
    ...overrides,
  });
  const launch = async (id: string, clusterSpec = spec()) => {
    const context = clusterContext(id, clusterSpec, 'launch');
    const outputs = outputsOf(await provider().steps.launch!(context), context.lines);
    return outputs.instances as LaunchedInstance[];
  };
  const marked = (id: string) =>
    findMarkedProcesses(CLUSTER_DIR_ENV, (value) => value === join(sandbox.dataDir, 'clusters', id));
  const groups = async (id: string) =>
    [...new Set((await marked(id)).map((process) => process.pgid))].sort((a, b) => a - b);

  it("records the app's own pid: killing the observed pid stops the serving, and observe agrees", async () => {
    const instances = await launch('clp', spec({ size: 1 }));
    const [instance] = instances;
    // The pid that answers is the one Slipway lists, not a shell wrapped around it.
    expect((await answer(instance!.url)).body.pid).toBe(instance!.pid);
    const resource = clusterContext('clp', spec({ size: 1 }), 'verify').resource;
    const observed = (await provider().observe(resource)).instances[0]!;
    expect(observed).toMatchObject({ pid: instance!.pid, running: true, portOpen: true });

    process.kill(observed.pid, 'SIGKILL');
    // A killed node's main thread shows as a zombie a moment before its other threads let go of
    // the socket: wait for the port itself.
    await until(async () => (await portClosed('127.0.0.1', observed.port, 1000)).ok);
    await until(async () => (await provider().observe(resource)).instances[0]?.running === false);
    expect((await provider().observe(resource)).instances[0]).toMatchObject({ portOpen: false });
  });

  it('launches size instances on their own ports, each answering the image version, and verify passes', async () => {
    const instances = await launch('cla');
    expect(instances).toHaveLength(2);
    expect(new Set(instances.map((instance) => instance.pid)).size).toBe(2);
    expect(new Set(instances.map((instance) => instance.port)).size).toBe(2);
    for (const instance of instances) {
      expect((await processRunning(instance.pid)).ok).toBe(true);
      const { status, body } = await answer(instance.url);
      expect(status).toBe(200);
      expect(body.version).toBe('1.0.0');
      // The process that answered belongs to the group we recorded and will stop.
      expect(await liveGroupMembers(instance.pid)).toContain(body.pid);
    }
    const table = JSON.parse(
      readFileSync(join(sandbox.dataDir, 'clusters', 'cla', 'instances.json'), 'utf8'),
    );
    expect(table).toMatchObject({
      clusterId: 'cla',
      complete: true,
      image: { id: 'img1', version: '1.0.0' },
    });
    expect(table.instances.map((instance: LaunchedInstance) => instance.pid)).toEqual(
      instances.map((instance) => instance.pid),
    );

    const context = clusterContext('cla', spec(), 'verify');
    const verified = outputsOf(await provider().steps.verify!(context), context.lines);
    expect(verified.instances).toEqual(instances.map((instance) => ({ ...instance, healthy: true })));
    expect((verified.checks as { ok: boolean }[]).length).toBe(8);
    expect((verified.checks as { ok: boolean }[]).every((check) => check.ok)).toBe(true);
  });

  it('verify fails on an instance killed by hand, naming that instance and only that one', async () => {
    const instances = await launch('clkill');
    const victim = instances[1]!;
    // Killed the way an operator would: the server process that answers on the port.
    const serving = (await answer(victim.url)).body.pid as number;
    process.kill(serving, 'SIGKILL');
    await until(async () => !(await processRunning(victim.pid)).ok);

    const outcome = await provider().steps.verify!(clusterContext('clkill', spec(), 'verify'));
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.code).toBe('verification_failed');
    expect(outcome.error.message).toContain(
      `instance 1 (pid ${victim.pid}, port ${victim.port}): expected process ${victim.pid} to be running`,
    );
    expect(outcome.error.message).toContain('1 of 2 instance(s) failed verification');
    expect(outcome.error.message).not.toContain(`instance 0 (`);
    expect(outcome.outputs?.instances).toEqual([
      { ...instances[0], healthy: true },
      { ...victim, healthy: false },
    ]);
    const failedChecks = ((outcome.outputs?.checks ?? []) as { name: string; ok: boolean }[]).filter(
      (check) => !check.ok,
    );
    expect(failedChecks.length).toBeGreaterThan(0);
    expect(failedChecks.every((check) => check.name.startsWith('instance 1:'))).toBe(true);
  });

  it('instances and the balancer keep running after the process that started them is killed with -9', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, '../../../testing/local/cluster/launch-in-child.ts')],
      {
        cwd: import.meta.dirname,
        env: {
          ...process.env,
          SLIPWAY_TEST_DATA_DIR: sandbox.dataDir,
          SLIPWAY_TEST_IMAGE: JSON.stringify(images.get('img1')),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const { launched, promoted } = JSON.parse(line) as { launched: StepOutcome; promoted: StepOutcome };
      const instances = outputsOf(launched).instances as LaunchedInstance[];
      const balancer = outputsOf(promoted).balancer as { url: string; pid: number };

      child.kill('SIGKILL');
      await once(child, 'exit');

      for (const instance of instances) {
        expect((await processRunning(instance.pid)).ok).toBe(true);
        expect((await answer(instance.url)).body.version).toBe('1.0.0');
      }
      expect((await processRunning(balancer.pid)).ok).toBe(true);
      expect((await answer(balancer.url)).body.version).toBe('1.0.0');

      // A new API finds them again from the files under the data directory.
      const cluster = clusterContext('clsurvivor', spec({ service: 'survivor' }), 'verify');
      expect(await provider().observe(cluster.resource)).toEqual({
        instances: instances.map((instance) => ({ ...instance, running: true, portOpen: true })),
        balancer: {
          service: 'survivor',
          url: balancer.url,
          pid: balancer.pid,
          running: true,
          upstreamClusterId: 'clsurvivor',
        },
      });
      expect((await provider().steps.verify!(cluster)).ok).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a retried launch replaces what the earlier attempt left, recorded or not: exactly size instances run', async () => {
    const first = await launch('clretry');
    // An attempt that died between spawning an instance and recording it leaves a stray like this.
    const strayDir = join(sandbox.dataDir, 'clusters', 'clretry');
    const stray = spawn('/bin/sh', ['-c', 'node server.js'], {
      cwd: images.get('img1')!.status.path as string,
      env: { PATH: process.env.PATH, PORT: '0', [CLUSTER_DIR_ENV]: strayDir },
      detached: true,
      stdio: 'ignore',
    });
    stray.unref();
    await once(stray, 'spawn');
    await until(async () => (await groups('clretry')).length === 3);

    const context = clusterContext('clretry', spec(), 'launch', { attempt: 2 });
    const second = outputsOf(await provider().steps.launch!(context), context.lines)
      .instances as LaunchedInstance[];

    expect(await groups('clretry')).toEqual(second.map((instance) => instance.pid).sort((a, b) => a - b));
    for (const old of [...first.map((instance) => instance.pid), stray.pid!]) {
      expect((await processRunning(old)).ok).toBe(false);
    }
    expect(
      context.lines.some((line) => line.startsWith('stopped 3 process group(s) left by an earlier launch')),
    ).toBe(true);
    const table = JSON.parse(readFileSync(join(strayDir, 'instances.json'), 'utf8'));
    expect(table).toMatchObject({ attempt: 2, idempotencyToken: context.idempotencyToken, complete: true });
  });

  it('destroy stops every instance, frees the ports and removes the files; destroying again is fine', async () => {
    const instances = await launch('cldestroy');
    const context = clusterContext('cldestroy', spec(), 'destroy');
    const outputs = outputsOf(await provider().steps.destroy!(context), context.lines);
    expect(outputs.stopped).toEqual(instances.map(({ index, pid, port }) => ({ index, pid, port })));
    expect(outputs.instances).toEqual([]);
    for (const instance of instances) {
      expect((await processRunning(instance.pid)).ok).toBe(false);
      expect((await portClosed('127.0.0.1', instance.port, 1000)).ok).toBe(true);
    }
    expect(existsSync(join(sandbox.dataDir, 'clusters', 'cldestroy'))).toBe(false);
    expect(await marked('cldestroy')).toEqual([]);

    const again = outputsOf(await provider().steps.destroy!(clusterContext('cldestroy', spec(), 'destroy')));
    expect(again.stopped).toEqual([]);
  });

  it('refuses to launch from an image that is not ready, naming everything missing', async () => {
    images.set('imgraw', {
      ...images.get('img1')!,
      id: 'imgraw',
      state: 'building',
      spec: { source: '.', build: 'true' },
      status: {},
    });
    const outcome = await provider().steps.launch!(
      clusterContext('clraw', spec({ image: 'imgraw' }), 'launch'),
    );
    expect(outcome).toMatchObject({
      ok: false,
      error: {
        code: 'image_not_ready',
        message:
          'image imgraw is not ready to start instances from: its state is building, not built; it has no status.path (no built app); it has no spec.start (no command to start an instance with)',
      },
    });
    const missing = await provider().steps.launch!(
      clusterContext('clraw', spec({ image: 'nope' }), 'launch'),
    );
    expect(missing).toMatchObject({
      ok: false,
      error: { code: 'image_not_ready', message: 'image nope does not exist' },
    });
  });

  it('fails a launch whose instance dies at start, quoting its log, and leaves nothing running', async () => {
    const appDir = join(sandbox.root, 'broken-app');
    await mkdir(appDir, { recursive: true });
    await writeFile(join(appDir, 'README'), 'an app that cannot start\n');
    images.set('imgbroken', {
      ...images.get('img1')!,
      id: 'imgbroken',
      spec: { source: appDir, build: 'true', start: 'echo "cannot bind: no such luck" >&2; exit 3' },
      status: { path: appDir },
    });
    const outcome = await provider().steps.launch!(
      clusterContext('clbroken', spec({ image: 'imgbroken' }), 'launch'),
    );
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.code).toBe('launch_failed');
    expect(outcome.error.message).toMatch(/instance \d \(pid \d+, port \d+\) exited during start/);
    expect(outcome.error.message).toContain('cannot bind: no such luck');
    expect(await marked('clbroken')).toEqual([]);
  });

  it('an aborted launch stops the instances it started, and cleanup removes the cluster', async () => {
    const appDir = join(sandbox.root, 'slow-app');
    await mkdir(appDir, { recursive: true });
    await writeFile(join(appDir, 'README'), 'an app that never opens its port\n');
    images.set('imgslow', {
      ...images.get('img1')!,
      id: 'imgslow',
      spec: { source: appDir, build: 'true', start: 'sleep 30' },
      status: { path: appDir },
    });
    const controller = new AbortController();
    const context = clusterContext('clslow', spec({ image: 'imgslow' }), 'launch', {
      signal: controller.signal,
    });
    const pending = provider().steps.launch!(context);
    await until(async () => (await groups('clslow')).length === 2);
    controller.abort('cancel');
    expect(await pending).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(await marked('clslow')).toEqual([]);

    await provider().cleanup!(context);
    expect(existsSync(join(sandbox.dataDir, 'clusters', 'clslow'))).toBe(false);
  });
});
