import type { InstallationStore } from '@slipway/domain';
import { describe, expect, it } from 'vitest';
import type { CurrentStore } from './current-store';
import { race } from './fixtures';

export function installationContract(store: CurrentStore<InstallationStore>): void {
  describe('installation state', () => {
    it('answers null for a key never set', async () => {
      expect(await store().getInstallationValue('admin-token-hash')).toBeNull();
    });

    it('sets a value only when absent and always answers the value stored', async () => {
      expect(await store().setInstallationValueIfAbsent('admin-token-hash', 'first')).toBe('first');
      expect(await store().setInstallationValueIfAbsent('admin-token-hash', 'second')).toBe('first');
      expect(await store().getInstallationValue('admin-token-hash')).toBe('first');
      expect(await store().setInstallationValueIfAbsent('other', 'x')).toBe('x');
    });

    it('lets concurrent set-if-absent calls agree on one value', async () => {
      const { won, lost } = await race(10, (i) =>
        store().setInstallationValueIfAbsent('contested', `value-${i}`),
      );
      expect(lost).toEqual([]);
      const stored = await store().getInstallationValue('contested');
      expect(stored).toMatch(/^value-\d$/);
      expect(won.map((w) => w.value)).toEqual(Array(10).fill(stored));
    });
  });
}
