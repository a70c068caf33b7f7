import { describe, expect, it } from 'vitest';
import type { CurrentStore } from './current-store';
import { race } from './fixtures';

export function installationContract(store: CurrentStore): void {
  describe('installation settings and health', () => {
    it('answers null for a setting never set', async () => {
      expect(await store().getSetting('admin-token-hash')).toBeNull();
    });

    it('sets a setting only when absent and always answers the value stored', async () => {
      expect(await store().setSettingIfAbsent('admin-token-hash', 'first')).toBe('first');
      expect(await store().setSettingIfAbsent('admin-token-hash', 'second')).toBe('first');
      expect(await store().getSetting('admin-token-hash')).toBe('first');
      expect(await store().setSettingIfAbsent('other', 'x')).toBe('x');
    });

    it('lets concurrent set-if-absent calls agree on one value', async () => {
      const { won, lost } = await race(10, (i) => store().setSettingIfAbsent('contested', `value-${i}`));
      expect(lost).toEqual([]);
      const stored = await store().getSetting('contested');
      expect(stored).toMatch(/^value-\d$/);
      expect(won.map((w) => w.value)).toEqual(Array(10).fill(stored));
    });

    it('answers a ping', async () => {
      await expect(store().ping()).resolves.toBeUndefined();
    });
  });
}
