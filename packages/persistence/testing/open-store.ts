import type { StoreConnection } from '@slipway/domain';
import { afterEach, beforeEach } from 'vitest';
import type { CurrentStore } from './current-store';

/** How a suite gets a store: `open` before each test (an empty store), closed and `cleanup` after. */
export interface StoreUnderTest<Port> {
  open: () => Promise<Port & StoreConnection>;
  cleanup?: () => Promise<void>;
}

/** Registers the open/close hooks in the current describe block and gives its tests the store. */
export function useOpenStore<Port>({ open, cleanup }: StoreUnderTest<Port>): CurrentStore<Port> {
  let store: (Port & StoreConnection) | null = null;

  beforeEach(async () => {
    store = await open();
  });

  afterEach(async () => {
    const opened = store;
    store = null;
    try {
      await opened?.close();
    } finally {
      await cleanup?.();
    }
  });

  return () => {
    if (!store) throw new Error('the contract suite has no open store');
    return store;
  };
}
