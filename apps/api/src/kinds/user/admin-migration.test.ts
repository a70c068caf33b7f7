import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InlineExecutor } from '@slipway/ops';
import { afterAll, describe, expect, it } from 'vitest';
import { helloImageSpec, REPO_ROOT, startTestSlipway } from '../../../testing/test-slipway';
import { loadConfig } from '../../config';
import { openEngine } from '../../engine';
import { imageModule } from '../image-module';
import { ADMIN_HASH_SETTING } from './admin-user';

const OLD_TOKEN = 'slw_theAdminTokenPrintedByAnOlderSlipway000000';
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/**
 * What a Slipway from before users left in its data directory: the hash of the admin token it
 * generated and printed at first start, and resources and runs whose actor is `admin`. Written
 * with the engine of today minus the user kind, the way the older version wrote them.
 */
async function storeFromBeforeUsers(dataDir: string): Promise<string> {
  const config = loadConfig(
    { SLIPWAY_DATA_DIR: dataDir, SLIPWAY_IMAGE_SOURCE_ROOTS: join(REPO_ROOT, 'examples') },
    REPO_ROOT,
  );
  const engine = await openEngine(config, { cwd: REPO_ROOT, modules: [imageModule] });
  await engine.store.setInstallationValueIfAbsent(
    ADMIN_HASH_SETTING,
    createHash('sha256').update(OLD_TOKEN).digest('hex'),
  );
  const executor = new InlineExecutor({
    walker: engine.walker,
    store: engine.store,
    concurrency: 1,
    onError: () => {},
  });
  const service = engine.service(executor);
  const admin = { id: 'admin', permissions: ['admin'] };
  const image = await service.create('image', { name: 'old-img', spec: helloImageSpec() }, admin);
  const run = await service.requestRun(
    'image',
    image.id,
    { target: 'destroyed', reason: 'before users' },
    admin,
    {},
  );
  for (let i = 0; i < 400; i += 1) {
    const stored = await engine.store.getRun(run.id);
    if (stored && ['succeeded', 'failed', 'cancelled'].includes(stored.status)) break;
    await new Promise((done) => setTimeout(done, 25));
  }
  await executor.close();
  await engine.store.close();
  return image.id;
}

describe('a data directory from before users', () => {
  it('opens, its admin token works as the first admin user, and its old records name that user', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'slipway-premigration-'));
    dirs.push(dataDir);
    const imageId = await storeFromBeforeUsers(dataDir);

    for (const start of ['first start after the upgrade', 'a restart']) {
      // No SLIPWAY_ADMIN_TOKEN: the hash the older version stored is the admin's token.
      const api = await startTestSlipway({ SLIPWAY_ADMIN_TOKEN: '' }, { dataDir });
      try {
        expect(api.slipway.generatedToken, start).toBeNull();
        const me = await api.request('GET', '/v1/me', { token: OLD_TOKEN });
        expect(me.statusCode, start).toBe(200);
        expect(me.json()).toMatchObject({ name: 'admin', permissions: expect.arrayContaining(['admin']) });
        const users = (await api.request('GET', '/v1/users', { token: OLD_TOKEN })).json().items;
        expect(
          users.map((user: { name: string }) => user.name),
          start,
        ).toEqual(['admin']);
        const tokens = await api.request('GET', `/v1/users/${me.json().userId}/tokens`, { token: OLD_TOKEN });
        expect(tokens.json().items, start).toHaveLength(1);
        const history = (
          await api.request('GET', `/v1/images/${imageId}/history`, { token: OLD_TOKEN })
        ).json();
        expect(history.items.length).toBeGreaterThan(0);
        expect(history.items.every((t: { actor: string }) => t.actor === 'admin')).toBe(true);
        const byAdmin = await api.request('GET', '/v1/transitions?actor=admin&kind=image', {
          token: OLD_TOKEN,
        });
        expect(byAdmin.json().items.length).toBe(history.items.length);
      } finally {
        await api.slipway.close();
      }
    }
  }, 120_000);
});
