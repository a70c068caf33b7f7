import { randomBytes } from 'node:crypto';
import { describeWithService, findMongo, uniqueDatabaseName } from '@slipway/acceptance/support/services';
import { settingVersions } from '@slipway/ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSlipway, type TestSlipway } from '../../../testing/test-slipway';

/**
 * A version is a value the setting had: only a write that was accepted may leave one. Refused
 * writes (a 412 lost in a race, a name conflict) and a retried PATCH of the same value must leave
 * nothing that the versions, a rollback or the raw collection would show as a value.
 */
function versionWritesSuite(start: () => Promise<TestSlipway>): void {
  let api: TestSlipway;
  beforeAll(async () => {
    api = await start();
  }, 60_000);
  afterAll(async () => api?.close());

  async function create(name: string, spec: Record<string, unknown>) {
    const created = await api.request('POST', '/v1/settings', { body: { name, spec } });
    expect(created.statusCode, created.body).toBe(201);
    return created.json<{ id: string; version: number; spec: { version: number } }>();
  }

  async function versionsOf(id: string): Promise<{ version: number; next: boolean }[]> {
    const listed = await api.request('GET', `/v1/settings/${id}/versions`);
    expect(listed.statusCode, listed.body).toBe(200);
    return listed.json().items;
  }

  /** Every stored entry that still holds a value or a ciphertext, as `<setting id>/<version>`. */
  async function storedValues(): Promise<string[]> {
    const page = await api.slipway.store.collection(settingVersions).list({ limit: 1000 });
    return page.items
      .filter((entry) => entry.doc.value !== undefined || entry.doc.sealed !== undefined)
      .map((entry) => `${entry.key.slice(0, entry.key.indexOf('/'))}/${entry.doc.version}`);
  }

  it('keeps only the winner of concurrent If-Match patches: the 412s leave no version', async () => {
    const setting = await create('race', { key: 'RACE', value: 'v1' });
    const before = await storedValues();
    const patches = await Promise.all(
      Array.from({ length: 6 }, (_, n) =>
        api.request('PATCH', `/v1/settings/${setting.id}`, {
          headers: { 'if-match': `"${setting.version}"` },
          body: { spec: { key: 'RACE', value: `contender-${n}` } },
        }),
      ),
    );
    const statuses = patches.map((patch) => patch.statusCode).sort();
    expect(statuses).toEqual([200, 412, 412, 412, 412, 412]);
    const winner = patches.find((patch) => patch.statusCode === 200)!.json<{ spec: { version: number } }>();
    const won = winner.spec.version;
    expect((await versionsOf(setting.id)).map((v) => [v.version, v.next])).toEqual([
      [1, false],
      [won, true],
    ]);
    expect(await storedValues()).toEqual([...before, `${setting.id}/${won}`].sort());
    // A loser's number is no version to roll back to.
    const lost = [2, 3, 4, 5, 6, 7].find((n) => n !== won)!;
    const rollback = await api.request('PATCH', `/v1/settings/${setting.id}`, {
      body: { spec: { key: 'RACE', version: lost } },
    });
    expect(rollback.statusCode, rollback.body).toBe(404);
    expect(rollback.json().code).toBe('version_not_found');
    // The next accepted value follows the winner.
    const next = await api.request('PATCH', `/v1/settings/${setting.id}`, {
      body: { spec: { key: 'RACE', value: 'after the race' } },
    });
    expect(next.statusCode, next.body).toBe(200);
    expect(next.json().spec.version).toBeGreaterThan(won);
  });

  it('leaves no version behind a create refused for its name', async () => {
    await create('taken', { key: 'TAKEN', value: 'first', secret: true });
    const before = await storedValues();
    const again = await api.request('POST', '/v1/settings', {
      body: { name: 'taken', spec: { key: 'TAKEN', value: 'second', secret: true } },
    });
    expect(again.statusCode, again.body).toBe(409);
    expect(again.json().code).toBe('name_taken');
    expect(await storedValues()).toEqual(before);
  });

  it('adds no version when a PATCH of the value the setting names is retried', async () => {
    const setting = await create('retried', { key: 'RETRIED', value: 'v1', secret: true });
    const send = () =>
      api.request('PATCH', `/v1/settings/${setting.id}`, {
        body: { spec: { key: 'RETRIED', value: 'v2' } },
      });
    const first = await send();
    expect(first.statusCode, first.body).toBe(200);
    const retry = await send();
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json().spec).toEqual({ key: 'RETRIED', secret: true, version: 2 });
    expect((await versionsOf(setting.id)).map((v) => v.version)).toEqual([1, 2]);
    expect((await storedValues()).filter((key) => key.startsWith(`${setting.id}/`))).toEqual([
      `${setting.id}/1`,
      `${setting.id}/2`,
    ]);
  });
}

describe('setting versions on the embedded default (lmdb)', () => {
  versionWritesSuite(() => startTestSlipway());
});

const mongo = await findMongo();
describeWithService('setting versions on the MongoDB store', mongo, (url) => {
  versionWritesSuite(() => {
    const own = new URL(url);
    own.pathname = `/${uniqueDatabaseName('slipway_versions')}`;
    return startTestSlipway({
      MONGO_URL: own.toString(),
      SLIPWAY_SECRET_KEY: randomBytes(32).toString('base64'),
    });
  });
});
