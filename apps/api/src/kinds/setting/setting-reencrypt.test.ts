import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SettingVault, settingVersions } from '@slipway/ops';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestSlipway, type TestSlipway } from '../../../testing/test-slipway';

const OLD_KEY = randomBytes(32).toString('base64');
const NEW_KEY = randomBytes(32).toString('base64');
let api: TestSlipway | undefined;
afterAll(async () => api?.close());

interface Transition {
  from: string;
  to: string;
  event: string;
  outcome: string;
  outputs: Record<string, unknown>;
}

describe('re-encrypting every secret after a key rotation', () => {
  it('records each re-seal once, deleted settings included, and leaves a setting whose run failed as it was', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'slipway-reencrypt-'));
    const before = await startTestSlipway({ SLIPWAY_SECRET_KEY: OLD_KEY }, { dataDir });
    const secret = async (name: string, value: string) => {
      const created = await before.request('POST', '/v1/settings', {
        body: { name, spec: { key: name.toUpperCase(), value, secret: true } },
      });
      expect(created.statusCode, created.body).toBe(201);
      const { id } = created.json<{ id: string }>();
      const run = await before.request('POST', `/v1/settings/${id}/runs`, { body: { target: 'active' } });
      expect(await before.waitForRun(run.json().id)).toMatchObject({ status: 'succeeded' });
      return id;
    };
    const live = await secret('live', 'live-secret');
    const gone = await secret('gone', 'gone-secret');
    const broken = await secret('broken', 'broken-secret-1');
    await before.request('PATCH', `/v1/settings/${broken}`, {
      body: { spec: { key: 'BROKEN', value: 'broken-secret-2' } },
    });
    const deleting = await before.request('POST', `/v1/settings/${gone}/runs`, {
      body: { target: 'deleted', reason: 'no longer used' },
    });
    expect(await before.waitForRun(deleting.json().id)).toMatchObject({ status: 'succeeded' });
    await before.slipway.close();

    api = await startTestSlipway(
      { SLIPWAY_SECRET_KEY: NEW_KEY, SLIPWAY_SECRET_KEY_PREVIOUS: OLD_KEY },
      { dataDir },
    );
    const versions = api.slipway.store.collection(settingVersions);
    // One version the run cannot open: another setting's ciphertext, which its associated data refuses.
    const foreign = (await versions.get(`${live}/0000000001`))!.doc.sealed!;
    const second = (await versions.get(`${broken}/0000000002`))!;
    await versions.replace(second.key, second.version, { ...second.doc, sealed: foreign });
    const brokenBefore = (await versions.list({ prefix: `${broken}/`, limit: 10 })).items;

    const response = await api.request('POST', '/v1/settings/secrets/reencrypt');
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<{ runs: string[]; failed: { setting: string; run: string | null }[] }>();
    expect(body.runs).toHaveLength(2);
    expect(body.failed).toEqual([{ setting: broken, run: expect.any(String), message: expect.any(String) }]);

    const trail = async (id: string) =>
      (await api!.request('GET', `/v1/transitions?resourceId=${id}&limit=200`)).json<{
        items: Transition[];
      }>().items;
    for (const [id, state] of [
      [live, 'active'],
      [gone, 'deleted'],
    ] as const) {
      const reseals = (await trail(id)).filter((transition) => transition.event === 'REENCRYPT');
      expect(reseals).toEqual([
        expect.objectContaining({
          from: state,
          to: state,
          outcome: 'succeeded',
          outputs: { reencrypted: 1, current: 0 },
        }),
      ]);
    }
    // Readable with the new key alone: what a cluster that pinned the deleted setting needs.
    const newKeyOnly = new SettingVault(api.slipway.store, { current: Buffer.from(NEW_KEY, 'base64') });
    expect(await newKeyOnly.reveal(gone, 1)).toBe('gone-secret');
    expect(await newKeyOnly.reveal(live, 1)).toBe('live-secret');
    // The failed one is untouched, its readable first version included, and its failure is its one record.
    expect((await versions.list({ prefix: `${broken}/`, limit: 10 })).items).toEqual(brokenBefore);
    expect((await trail(broken)).filter((transition) => transition.event === 'REENCRYPT')).toEqual([
      expect.objectContaining({ outcome: 'failed' }),
    ]);
  });
});
