import type { Store } from '@slipway/domain';
import { afterEach, beforeEach, describe } from 'vitest';
import type { CurrentStore } from './current-store';
import { idempotencyContract } from './idempotency-contract';
import { installationContract } from './installation-contract';
import { mapKeysContract } from './map-keys-contract';
import { resourceContract } from './resource-contract';
import { resourceListingContract } from './resource-listing-contract';
import { runContract } from './run-contract';
import { transitionContract } from './transition-contract';
import { transitionListingContract } from './transition-listing-contract';

/**
 * The promises of the `Store` port, as one suite every adapter must pass. `open` is called before
 * each test and must return an empty store; after the test the suite closes it and calls `cleanup`.
 */
export function describeStoreContract(
  name: string,
  open: () => Promise<Store>,
  cleanup?: () => Promise<void>,
): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store | null = null;

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

    const current: CurrentStore = () => {
      if (!store) throw new Error('the contract suite has no open store');
      return store;
    };

    resourceContract(current);
    resourceListingContract(current);
    runContract(current);
    transitionContract(current);
    transitionListingContract(current);
    mapKeysContract(current);
    idempotencyContract(current);
    installationContract(current);
  });
}
