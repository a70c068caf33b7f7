import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSlipway, type TestSlipway } from '../../../testing/test-slipway';

let api: TestSlipway;
const SECRET = 'pa55-Word_in-route-test';

beforeAll(async () => {
  api = await startTestSlipway();
}, 60_000);
afterAll(async () => api.close());

async function create(name: string, spec: Record<string, unknown>) {
  const created = await api.request('POST', '/v1/settings', { body: { name, spec } });
  expect(created.statusCode, created.body).toBe(201);
  return created.json();
}

async function apply(id: string, body: Record<string, unknown> = { target: 'active' }) {
  const run = await api.request('POST', `/v1/settings/${id}/runs`, { body });
  expect(run.statusCode, run.body).toBe(202);
  return api.waitForRun(run.json().id);
}

describe('settings over the API', () => {
  it('generated a 0600 key file in the data directory on the embedded default', async () => {
    expect((await stat(join(api.dataDir, 'secret.key'))).mode & 0o777).toBe(0o600);
  });

  it('keeps values out of the resource, applies versions by runs, and resolves with provenance', async () => {
    const greeting = await create('greeting', { key: 'GREETING', value: 'hello' });
    expect(greeting.spec).toEqual({ key: 'GREETING', version: 1 });
    expect(await apply(greeting.id)).toMatchObject({ status: 'succeeded' });
    const specific = await create('greeting-prod-web', {
      key: 'GREETING',
      environment: 'production',
      service: 'web',
      value: 'hello, prod web',
    });
    await apply(specific.id);
    const resolve = (query: string) =>
      api.request('GET', `/v1/settings/resolve?${query}`).then((r) => r.json());
    expect((await resolve('environment=production&service=web')).settings).toEqual([
      {
        key: 'GREETING',
        setting: specific.id,
        version: 1,
        scope: 'environment+service',
        secret: false,
        value: 'hello, prod web',
      },
    ]);
    expect((await resolve('environment=staging&service=web')).settings[0]).toMatchObject({
      setting: greeting.id,
      scope: 'global',
      value: 'hello',
    });

    // A patch adds a version that is not applied until a run to active (active → applying → active).
    const patched = await api.request('PATCH', `/v1/settings/${greeting.id}`, {
      body: { spec: { key: 'GREETING', value: 'hello again' } },
    });
    expect(patched.json().spec).toEqual({ key: 'GREETING', version: 2 });
    expect((await resolve('environment=staging')).settings[0]).toMatchObject({ version: 1, value: 'hello' });
    expect(await apply(greeting.id)).toMatchObject({ status: 'succeeded' });
    const trail = (await api.request('GET', `/v1/transitions?resourceId=${greeting.id}`)).json();
    expect(trail.items.map((t: { from: string; to: string }) => `${t.from}>${t.to}`)).toEqual([
      'pending>applying',
      'applying>active',
      'active>applying',
      'applying>active',
    ]);
    expect((await resolve('environment=staging')).settings[0]).toMatchObject({
      version: 2,
      value: 'hello again',
    });

    const versions = (await api.request('GET', `/v1/settings/${greeting.id}/versions`)).json();
    expect(versions.items).toEqual([
      expect.objectContaining({ version: 1, secret: false, applied: false, next: false }),
      expect.objectContaining({ version: 2, secret: false, applied: true, next: true }),
    ]);

    const rollback = await api.request('POST', `/v1/settings/${greeting.id}/rollback`, {
      body: { version: 1, reason: 'v2 says it twice' },
    });
    expect(rollback.statusCode, rollback.body).toBe(202);
    expect(await api.waitForRun(rollback.json().id)).toMatchObject({
      status: 'succeeded',
      reason: 'Rollback to version 1: v2 says it twice',
    });
    expect((await resolve('environment=staging')).settings[0]).toMatchObject({ version: 1, value: 'hello' });
    const missing = await api.request('POST', `/v1/settings/${greeting.id}/rollback`, {
      body: { version: 9, reason: 'no such' },
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'version_not_found' });
  });

  it('refuses reserved keys, a version at create, and a change of scope, saying what to fix', async () => {
    const reserved = await api.request('POST', '/v1/settings', {
      body: { name: 'reserved', spec: { key: 'SLIPWAY_SERVICE_WEB_URL', value: 'x' } },
    });
    expect(reserved.statusCode).toBe(400);
    expect(reserved.json()).toMatchObject({
      code: 'reserved_key',
      detail: expect.stringContaining('SLIPWAY_'),
    });
    const versioned = await api.request('POST', '/v1/settings', {
      body: { name: 'versioned', spec: { key: 'A', value: 'x', version: 3 } },
    });
    expect(versioned.json()).toMatchObject({ code: 'invalid_spec' });
    const valueless = await api.request('POST', '/v1/settings', {
      body: { name: 'valueless', spec: { key: 'A' } },
    });
    expect(valueless.json()).toMatchObject({
      code: 'invalid_spec',
      detail: 'spec.value is required to create a setting.',
    });
    const scoped = await create('scoped', { key: 'B', environment: 'production', value: 'x' });
    const moved = await api.request('PATCH', `/v1/settings/${scoped.id}`, {
      body: { spec: { key: 'B', environment: 'staging', value: 'y' } },
    });
    expect(moved.statusCode).toBe(400);
    expect(moved.json()).toMatchObject({
      code: 'invalid_spec',
      detail: expect.stringContaining('spec.environment is fixed'),
    });
  });

  it('refuses the variables instances depend on (PATH, HOME, …) at create and patch, listing them', async () => {
    const countBefore = (await api.request('GET', '/v1/settings?limit=200')).json().items.length;
    for (const key of ['PATH', 'HOME', 'PORT', 'NODE_OPTIONS', 'LD_PRELOAD', 'SHELL', 'IFS']) {
      const refused = await api.request('POST', '/v1/settings', {
        body: {
          name: `reserved-${key.toLowerCase().replaceAll('_', '-')}`,
          spec: { key, value: '/tmp/evil' },
        },
      });
      expect(refused.statusCode, refused.body).toBe(400);
      expect(refused.json()).toMatchObject({
        code: 'reserved_key',
        detail: expect.stringContaining('PATH, HOME, USER, LOGNAME, SHELL'),
      });
      expect(refused.json().detail).toContain(key);
    }
    expect((await api.request('GET', '/v1/settings?limit=200')).json().items).toHaveLength(countBefore);
    // A setting written before the rule (here straight into the store) cannot take a new value either.
    const now = new Date().toISOString();
    await api.slipway.store.createResource({
      id: '01M8TLEGACYPATHSETT1NG0000',
      kind: 'setting',
      name: 'legacy-path',
      state: 'pending',
      version: 1,
      seq: 0,
      spec: { key: 'PATH' },
      status: {},
      labels: {},
      activeRunId: null,
      createdAt: now,
      updatedAt: now,
    });
    const patched = await api.request('PATCH', '/v1/settings/01M8TLEGACYPATHSETT1NG0000', {
      body: { spec: { key: 'PATH', value: '/tmp/evil' } },
    });
    expect(patched.statusCode, patched.body).toBe(400);
    expect(patched.json().code).toBe('reserved_key');
    expect(
      (await api.request('GET', '/v1/settings/01M8TLEGACYPATHSETT1NG0000/versions')).json().items,
    ).toEqual([]);
  });

  it('never answers a secret but through its audited read, which a REVEAL transition records first', async () => {
    const secret = await create('db-password', { key: 'DB_PASSWORD', secret: true, value: SECRET });
    await apply(secret.id);
    const bodies = [
      JSON.stringify(secret),
      (await api.request('GET', `/v1/settings/${secret.id}`)).body,
      (await api.request('GET', '/v1/settings/resolve')).body,
      (await api.request('GET', `/v1/settings/${secret.id}/versions`)).body,
      (await api.request('GET', `/v1/transitions?resourceId=${secret.id}`)).body,
    ];
    for (const body of bodies) expect(body).not.toContain(SECRET);
    expect((await api.request('GET', '/v1/settings/resolve')).json().settings).toContainEqual({
      key: 'DB_PASSWORD',
      setting: secret.id,
      version: 1,
      scope: 'global',
      secret: true,
    });
    const read = await api.request('GET', `/v1/settings/${secret.id}/secret`);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.headers['cache-control']).toBe('no-store');
    expect(read.json()).toMatchObject({ key: 'DB_PASSWORD', version: 1, value: SECRET });
    const trail = (await api.request('GET', `/v1/transitions?resourceId=${secret.id}`)).json().items;
    const reveal = trail.find((t: { event: string }) => t.event === 'REVEAL');
    expect(reveal).toMatchObject({
      from: 'active',
      to: 'active',
      runId: read.json().run,
      outputs: { revealedVersion: 1 },
    });
    expect(JSON.stringify(trail)).not.toContain(SECRET);
    const plain = await create('plain', { key: 'PLAIN', value: 'x' });
    expect((await api.request('GET', `/v1/settings/${plain.id}/secret`)).statusCode).toBe(409);
  });
});
