import { join } from 'node:path';
import type { HookContext, Resource, Run } from '@slipway/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSlipway, type TestSlipway } from '../../../testing/test-slipway';
import { loadConfig } from '../../config';
import { OwnPorts } from '../../own-ports';
import type { BackendEnvironment } from '../kind-module';
import { publishDiscoveryHook, withdrawDiscoveryHook } from './discovery-hooks';

let api: TestSlipway;
let environment: BackendEnvironment;
let ids = 0;
const newId = () => `01M8TDISC0VERYTEST${String(ids++).padStart(8, '0')}`;

beforeAll(async () => {
  api = await startTestSlipway();
  const { store } = api.slipway;
  environment = {
    config: loadConfig({ SLIPWAY_DATA_DIR: join(api.dataDir, 'unused') }),
    cwd: undefined,
    store,
    collections: store,
    ownPorts: new OwnPorts(),
    notice: () => undefined,
    runs: {
      start: (run) => store.startRun(run),
      // The engine's own executor walks what the hooks start, as the engine's walker would.
      async walk(runId) {
        await api.slipway.executor.submit(runId);
        await api.waitForRun(runId);
        return store.getRun(runId);
      },
      dropQueued: async (runId, why) =>
        (await store.finishRun(runId, ['queued'], {
          status: 'cancelled',
          error: { code: 'not_needed', message: why },
          finishedAt: new Date().toISOString(),
          durationMs: 0,
        })) !== null,
      newId,
    },
  };
}, 60_000);
afterAll(async () => api.close());

async function cluster(name: string, state: string): Promise<Resource> {
  const now = new Date().toISOString();
  const resource: Resource = {
    id: newId(),
    kind: 'cluster',
    name,
    state,
    version: 1,
    seq: 0,
    spec: { service: 'web', image: '01JDQ3M5T2Q3W3K5A3B8C9D0EF', size: 1 },
    status: {},
    labels: {},
    activeRunId: null,
    createdAt: now,
    updatedAt: now,
  };
  await api.slipway.store.createResource(resource);
  return resource;
}

function hookContext(resource: Resource, stepOutputs: Record<string, unknown> = {}): HookContext {
  const run = { id: newId(), requestedBy: 'admin', requestId: null } as Run;
  return {
    resource,
    run,
    step: 'hooked',
    attempt: 1,
    idempotencyToken: run.id,
    signal: new AbortController().signal,
    log: () => undefined,
    stepOutputs,
  };
}

const resolvedUrl = async () =>
  (await api.request('GET', '/v1/settings/resolve'))
    .json()
    .settings.find((entry: { key: string }) => entry.key === 'SLIPWAY_SERVICE_WEB_URL');

describe('discovery withdraw beside a promote', () => {
  it('leaves the endpoint a promoting cluster published: the destroy of another cluster does not withdraw it', async () => {
    // Y is mid-promote: its promote step published its balancer, its SUCCESS (live) is not recorded yet.
    const promoting = await cluster('web-y', 'promoting');
    const published = await publishDiscoveryHook(environment).run(
      hookContext(promoting, { serviceUrl: 'http://127.0.0.1:4999' }),
    );
    expect(published).toMatchObject({ ok: true, outputs: { published: true } });
    expect(await resolvedUrl()).toMatchObject({ value: 'http://127.0.0.1:4999' });

    // X's destroy ends now, while Y is still promoting.
    const destroyed = await cluster('web-x', 'destroying');
    const withdrawn = await withdrawDiscoveryHook(environment).run(hookContext(destroyed));
    expect(withdrawn).toMatchObject({
      ok: true,
      outputs: { withdrawn: false, liveClusters: [promoting.id] },
    });
    expect(await resolvedUrl()).toMatchObject({ value: 'http://127.0.0.1:4999' });
  });
});
