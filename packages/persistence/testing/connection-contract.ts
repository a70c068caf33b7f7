import type { StoreConnection } from '@slipway/domain';
import { describe, expect, it } from 'vitest';
import type { CurrentStore } from './current-store';

export function connectionContract(store: CurrentStore<StoreConnection>): void {
  describe('connection', () => {
    it('answers a ping', async () => {
      await expect(store().ping()).resolves.toBeUndefined();
    });
  });
}
