import { afterEach, describe, expect, it } from 'vitest';
import { bakeImage, type ClusterEntity, createCluster, getCluster, moveCluster } from './support/cluster-api';
import { type RunEntity, type TransitionEntity, transitionsOf, waitForRun } from './support/image-api';
import { pollUntil } from './support/poll';
import { killProcessesWithin } from './support/process-table';
import { SlipwayProcess, stopAllSlipways } from './support/slipway-process';

/**
 * Real kills inside the setting hooks: the pin hook (`before` cluster.launch) has resolved and the
 * process dies as the launch step starts; the discovery hook (`after` cluster.promote) has stored
 * its setting and the setting's run, and the process dies as that run's apply step starts. After a
 * restart: exactly one record per state change, one pin, one discovery setting with one version.
 */
const dataDirs: string[] = [];

afterEach(async () => {
  await stopAllSlipways();
  for (const dir of dataDirs.splice(0)) await killProcessesWithin(dir);
});

async function start(dataDir?: string, fault?: string): Promise<SlipwayProcess> {
  const server = await SlipwayProcess.start({
    ...(dataDir ? { dataDir } : {}),
    env: fault ? { NODE_ENV: 'test', SLIPWAY_FAULT: fault } : {},
  });
  if (!dataDirs.includes(server.dataDir)) dataDirs.push(server.dataDir);
  return server;
}

/** Requests the run on a server armed to die in it, and waits for it to die. */
async function runUntilKilled(server: SlipwayProcess, clusterId: string, target: string): Promise<void> {
  await server.api<RunEntity>('POST', `/v1/clusters/${clusterId}/runs`, { target }).catch(() => null);
  const exit = await pollUntil('the server to die at the fault', async () => server.exit ?? undefined, {
    timeoutMs: 60_000,
    describe: () => server.describe(),
  });
  expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
}

/** No state change recorded twice: each (from, to, run) appears once. */
function expectOneRecordPerChange(transitions: TransitionEntity[]): void {
  const changes = transitions.map((t) => `${t.runId}:${t.from}>${t.to}:${t.event}`);
  expect(changes).toEqual([...new Set(changes)]);
}

async function latestRun(server: SlipwayProcess, resourceId: string): Promise<RunEntity> {
  const runs = await server.api<{ items: RunEntity[] }>('GET', `/v1/runs?resourceId=${resourceId}&limit=1`);
  return runs.body.items[0]!;
}

/** A cluster promoted on a server that dies as the discovery setting's apply starts, then restarted. */
async function promoteKilledInDiscovery(): Promise<{ after: SlipwayProcess; cluster: string }> {
  const setup = await start();
  const image = await bakeImage(setup, 'hello', '1.0.0');
  const cluster = await createCluster(setup, 'web-a', { image, size: 1, service: 'web' });
  expect(await moveCluster(setup, cluster.id, { target: 'ready' })).toMatchObject({ status: 'succeeded' });
  await setup.kill();
  await runUntilKilled(await start(setup.dataDir, 'step:setting.apply'), cluster.id, 'live');
  const after = await start(setup.dataDir);
  const run = await waitForRun(after, (await latestRun(after, cluster.id)).id);
  expect(run, after.describe()).toMatchObject({ status: 'succeeded', target: 'live' });
  return { after, cluster: cluster.id };
}

describe('crashes inside the setting hooks', () => {
  it('pin hook: killed after pinning, as the launch step starts; after the restart one launch record, one pin', async () => {
    const setup = await start();
    const image = await bakeImage(setup, 'hello', '1.0.0');
    const greeting = await setup.api<{ id: string }>('POST', '/v1/settings', {
      name: 'greeting',
      spec: { key: 'GREETING', value: 'pinned-before-the-crash' },
    });
    const applied = await setup.api<RunEntity>('POST', `/v1/settings/${greeting.body.id}/runs`, {
      target: 'active',
    });
    expect(await waitForRun(setup, applied.body.id)).toMatchObject({ status: 'succeeded' });
    const cluster = await createCluster(setup, 'web-a', { image, size: 1, service: 'web' });
    await setup.kill();

    await runUntilKilled(await start(setup.dataDir, 'step:cluster.launch'), cluster.id, 'ready');

    const after = await start(setup.dataDir);
    const run = await waitForRun(after, (await latestRun(after, cluster.id)).id);
    expect(run, after.describe()).toMatchObject({ status: 'succeeded', target: 'ready' });
    const launched: ClusterEntity = await getCluster(after, cluster.id);
    expect(launched.status.pinned).toEqual({
      'setting.pin': {
        target: { environment: 'default', service: 'web' },
        settings: [
          { key: 'GREETING', setting: greeting.body.id, version: 1, scope: 'global', sealed: false },
        ],
      },
    });
    const transitions = await transitionsOf(after, cluster.id);
    expectOneRecordPerChange(transitions);
    const launches = transitions.filter((t) => t.from === 'launching' && t.outcome === 'succeeded');
    expect(launches).toHaveLength(1);
    expect(launches[0]?.outputs).toMatchObject({
      hooks: { 'setting.pin': { settings: [expect.objectContaining({ key: 'GREETING', version: 1 })] } },
    });
    const instance = launched.observed?.instances?.[0];
    const answer = (await (await fetch(`http://127.0.0.1:${instance?.port}/greeting`)).json()) as {
      greeting: string;
    };
    expect(answer.greeting).toBe('pinned-before-the-crash');
  }, 240_000);

  it('discovery hook: killed as the published setting applies; after the restart one setting, one version, one record each', async () => {
    const { after, cluster } = await promoteKilledInDiscovery();
    expect(await getCluster(after, cluster)).toMatchObject({ state: 'live' });
    expectOneRecordPerChange(await transitionsOf(after, cluster));

    const settings = await after.api<{ items: { id: string; name: string; state: string }[] }>(
      'GET',
      '/v1/settings?limit=100',
    );
    const discovery = settings.body.items.filter((setting) => setting.name.startsWith('slipway.discovery.'));
    expect(discovery).toEqual([
      expect.objectContaining({ name: 'slipway.discovery.web.default', state: 'active' }),
    ]);
    const id = discovery[0]!.id;
    const versions = await after.api<{ items: { version: number; applied: boolean }[] }>(
      'GET',
      `/v1/settings/${id}/versions`,
    );
    expect(versions.body.items).toEqual([expect.objectContaining({ version: 1, applied: true })]);
    const records = await transitionsOf(after, id);
    expect(records.map((t) => `${t.from}>${t.to}:${t.outcome}`)).toEqual([
      'pending>applying:requested',
      'applying>active:succeeded',
    ]);
    const resolved = await after.api<{ settings: { key: string; value?: string }[] }>(
      'GET',
      '/v1/settings/resolve',
    );
    const url = resolved.body.settings.find((entry) => entry.key === 'SLIPWAY_SERVICE_WEB_URL')?.value;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // The start-up restore of the service's balancer must not point it away from the cluster whose
    // resumed promote already switched it: the published URL serves the live cluster.
    const served = await fetch(`${url}/greeting`);
    expect(served.status, await served.clone().text()).toBe(200);
  }, 240_000);
});
