import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SettingVault, settingVersions } from '@slipway/ops';
import { LmdbStore } from '@slipway/persistence';
import { afterEach, describe, expect, it } from 'vitest';

describe('SettingVault on a real store', () => {
  let dir: string | undefined;
  let store: LmdbStore | undefined;
  afterEach(async () => {
    await store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses a ciphertext copied onto another setting or another version: the associated data binds it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-vault-'));
    store = await LmdbStore.open({ path: join(dir, 'db') });
    const vault = new SettingVault(store, { current: randomBytes(32) });
    expect(await vault.addVersion('SETTINGA', 'first secret', true, 'admin')).toBe(1);
    expect(await vault.addVersion('SETTINGA', 'second secret', true, 'admin')).toBe(2);
    expect(await vault.addVersion('SETTINGB', 'other secret', true, 'admin')).toBe(1);
    // As their resource writes would once accepted.
    for (const [id, version] of [
      ['SETTINGA', 1],
      ['SETTINGA', 2],
      ['SETTINGB', 1],
    ] as const)
      await vault.settle(id, version, true);
    expect(await vault.reveal('SETTINGA', 2)).toBe('second secret');

    const versions = store.collection(settingVersions);
    const original = await versions.get('SETTINGA/0000000001');
    const sealed = original!.doc.sealed!;
    expect(sealed).not.toContain('first secret');
    // Onto another setting's version 1, and onto version 2 of the same setting.
    const other = await versions.get('SETTINGB/0000000001');
    await versions.replace('SETTINGB/0000000001', other!.version, { ...other!.doc, sealed });
    const later = await versions.get('SETTINGA/0000000002');
    await versions.replace('SETTINGA/0000000002', later!.version, { ...later!.doc, sealed });
    await expect(vault.reveal('SETTINGB', 1)).rejects.toMatchObject({ code: 'secret_unreadable' });
    await expect(vault.reveal('SETTINGA', 2)).rejects.toMatchObject({ code: 'secret_unreadable' });
    expect(await vault.reveal('SETTINGA', 1)).toBe('first secret');
    expect(await vault.unreadable()).toEqual([
      expect.stringMatching(/^setting SETTINGA version 2: .*authentication failed/),
      expect.stringMatching(/^setting SETTINGB version 1: .*authentication failed/),
    ]);
  });
});
