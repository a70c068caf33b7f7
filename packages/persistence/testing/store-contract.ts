import type { Store } from '@slipway/domain';
import { describe } from 'vitest';
import { connectionContract } from './connection-contract';
import { useOpenStore } from './open-store';
import {
  analyticsStoreContract,
  idempotencyStoreContract,
  installationStoreContract,
  kindCollectionsStoreContract,
  resourceStoreContract,
  runStoreContract,
} from './port-contracts';

/**
 * Every port's contract against one adapter that implements them all (`Store`): the resource,
 * run, idempotency, installation and kind-collection suites, and the connection. `open` is called before each test
 * and must return an empty store; after the test the suite closes it and calls `cleanup`. An
 * adapter of fewer ports calls the suites of its ports (port-contracts.ts) instead.
 */
export function describeStoreContract(
  name: string,
  open: () => Promise<Store>,
  cleanup?: () => Promise<void>,
): void {
  describe(`Store contract: ${name}`, () => {
    const current = useOpenStore<Store>({ open, ...(cleanup ? { cleanup } : {}) });
    resourceStoreContract(current);
    runStoreContract(current);
    analyticsStoreContract(current);
    idempotencyStoreContract(current);
    installationStoreContract(current);
    kindCollectionsStoreContract(current);
    connectionContract(current);
  });
}
