import { afterEach, describe, expect, it } from 'vitest';
import { helloImageSpec } from './support/image-api';
import { pollUntil } from './support/poll';
import { describeWithService, findMongo, uniqueDatabaseName } from './support/services';
import { SlipwayProcess, stopAllSlipways } from './support/slipway-process';

const mongo = await findMongo();

afterEach(stopAllSlipways);

const KEY = 'crash-key-1';

/**
 * kill -9 while a POST holds its Idempotency-Key reserved: the fault point holds the request right
 * after the reservation, so the kill lands exactly there. The restarted server must not answer
 * `idempotency_in_progress` for that key for ever.
 */
async function crashWhileReserved(env: Record<string, string>) {
  const name = `idem-crash-${Date.now().toString(36)}`;
  const body = { name, spec: helloImageSpec(), labels: { a: '1', b: '2' } };
  const first = await SlipwayProcess.start({
    env: { ...env, NODE_ENV: 'test', SLIPWAY_FAULT: 'http:idempotency-reserved' },
  });
  const held = first.api('POST', '/v1/images', body, { 'idempotency-key': KEY });
  held.catch(() => {}); // it never answers: the server dies holding it
  await pollUntil(
    'the request to reach the fault point',
    async () =>
      first.stderr.toString().includes('fault point http:idempotency-reserved reached') ? true : undefined,
    { timeoutMs: 30_000, describe: () => first.describe() },
  );

  // Just before the kill: the key is reserved and nothing was created.
  const duplicate = await first.api('POST', '/v1/images', body, { 'idempotency-key': KEY });
  expect(duplicate.status).toBe(409);
  expect(duplicate.body.code).toBe('idempotency_in_progress');
  const before = await first.api<{ items: { name: string }[] }>('GET', '/v1/images?limit=200');
  expect(before.body.items.some((image) => image.name === name)).toBe(false);

  expect((await first.kill('SIGKILL')).signal).toBe('SIGKILL');
  await expect(held).rejects.toThrow();
  return { first, body, name };
}

async function expectKeyUsableAfterRestarts(dataDir: string, env: Record<string, string>, name: string) {
  const body = { name, spec: helloImageSpec(), labels: { a: '1', b: '2' } };
  const second = await SlipwayProcess.start({ dataDir, env });
  const created = await second.api<{ id: string; name: string }>('POST', '/v1/images', body, {
    'idempotency-key': KEY,
  });
  expect(created.status, created.text).toBe(201);
  expect(created.headers.get('idempotent-replayed')).toBeNull();
  expect(created.body.name).toBe(name);
  expect((await second.kill('SIGKILL')).signal).toBe('SIGKILL');

  // Another restart: the completed key replays, also for the body with its keys reordered.
  const third = await SlipwayProcess.start({ dataDir, env });
  const { spec, labels } = body;
  const replay = await third.api<{ id: string }>(
    'POST',
    '/v1/images',
    { labels: { b: labels.b, a: labels.a }, spec, name },
    { 'idempotency-key': KEY },
  );
  expect(replay.status, replay.text).toBe(201);
  expect(replay.headers.get('idempotent-replayed')).toBe('true');
  expect(replay.body.id).toBe(created.body.id);
  const images = await third.api<{ items: { name: string }[] }>('GET', '/v1/images?limit=200');
  expect(images.body.items.filter((image) => image.name === name)).toHaveLength(1);
}

describe('Idempotency-Key across kill -9 (embedded store)', () => {
  it('frees a key the killed server held reserved, and replays it once completed', async () => {
    const { first, name } = await crashWhileReserved({});
    await expectKeyUsableAfterRestarts(first.dataDir, {}, name);
  }, 240_000);
});

describeWithService('Idempotency-Key across kill -9 (MongoDB store)', mongo, (url) => {
  it('frees a key the killed server held reserved, and replays it once completed', async () => {
    const database = new URL(url);
    database.pathname = `/${uniqueDatabaseName('slipway_idem_crash')}`;
    const env = { MONGO_URL: database.toString() };
    const { first, name } = await crashWhileReserved(env);
    await expectKeyUsableAfterRestarts(first.dataDir, env, name);
  }, 240_000);
});
