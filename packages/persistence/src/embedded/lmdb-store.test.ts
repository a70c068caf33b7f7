import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { aResource, aTransition, at, resourceWithRun } from '../../testing/fixtures';
import { describeStoreContract } from '../../testing/store-contract';
import { LmdbStore } from './lmdb-store';

const dirs: string[] = [];

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-lmdb-'));
  dirs.push(dir);
  return dir;
}

async function removeDirs(): Promise<void> {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

describeStoreContract('LmdbStore', async () => LmdbStore.open({ path: await freshDir() }), removeDirs);

describe('LmdbStore', () => {
  afterEach(removeDirs);

  it('creates its directory 0700 and its files 0600, and tightens ones left open by an older version', async () => {
    const path = join(await freshDir(), 'db');
    const modes = async () =>
      Promise.all(
        ['', 'data.mdb', 'lock.mdb'].map(async (name) => (await stat(join(path, name))).mode & 0o777),
      );
    const first = await LmdbStore.open({ path });
    await first.close();
    expect(await modes()).toEqual([0o700, 0o600, 0o600]);

    await chmod(path, 0o755);
    await chmod(join(path, 'data.mdb'), 0o644);
    await chmod(join(path, 'lock.mdb'), 0o644);
    const second = await LmdbStore.open({ path });
    await second.close();
    expect(await modes()).toEqual([0o700, 0o600, 0o600]);
  });

  it('keeps everything across close and reopen', async () => {
    const path = join(await freshDir(), 'nested', 'db');
    const first = await LmdbStore.open({ path });
    const { resource, run } = await resourceWithRun(first, { labels: { env: 'prod' } });
    const transition = aTransition(resource, run, { to: 'building' });
    const moved = await first.recordTransition({ transition, status: { pid: 42 } });
    await first.reserveIdempotency('k', 'fp', { claimId: 'c1', owner: 'host/1/a', expiresAt: at(60) }, at(0));
    await first.setInstallationValueIfAbsent('admin', 'hash');
    await first.close();
    await first.close();
    await expect(first.ping()).rejects.toMatchObject({ code: 'service_unavailable' });

    const second = await LmdbStore.open({ path });
    try {
      expect(await second.getResource(resource.id)).toEqual(moved);
      expect(await second.getRun(run.id)).toEqual(run);
      expect(await second.listUnfinishedRuns()).toEqual([run]);
      expect((await second.listTransitions({ resourceId: resource.id, limit: 5 })).items).toEqual([
        transition,
      ]);
      expect(
        await second.reserveIdempotency(
          'k',
          'fp',
          { claimId: 'c2', owner: 'host/2/b', expiresAt: at(60) },
          at(1),
        ),
      ).toEqual({ kind: 'in-progress' });
      expect(await second.getInstallationValue('admin')).toBe('hash');
      await expect(second.createResource(aResource({ name: resource.name }))).rejects.toMatchObject({
        code: 'name_taken',
      });
      expect(
        (await second.listResources({ kind: 'image', labels: { env: 'prod' }, limit: 5 })).items,
      ).toEqual([moved]);
      expect(moved.updatedAt).toBe(at(3));
    } finally {
      await second.close();
    }
  });

  it('rolls back a write that fails halfway, leaving nothing behind', async () => {
    const store = await LmdbStore.open({ path: await freshDir() });
    try {
      // The resource record fits, but its name-index key exceeds lmdb's key size limit, so the
      // write fails after the first put; the transaction must roll that put back.
      const oversized = aResource({ name: 'n'.repeat(4000) });
      await expect(store.createResource(oversized)).rejects.toThrow();
      expect(await store.getResource(oversized.id)).toBeNull();
      expect((await store.listResources({ kind: 'image', limit: 5 })).items).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
