import type { KindCollections } from '@slipway/domain';
import type { UserAuthenticator } from '../../auth/user-authenticator';
import type { TokenRegistry } from './user-tokens';

export interface UserRuntime {
  tokens: TokenRegistry;
  authenticator: UserAuthenticator;
}

/**
 * The token registry and authenticator the composition root made for a store, found again by the
 * user module's routes and guards: several apps (tests) may live in one process.
 */
const runtimes = new WeakMap<KindCollections, UserRuntime>();

export function registerUserRuntime(collections: KindCollections, runtime: UserRuntime): void {
  runtimes.set(collections, runtime);
}

export function userRuntimeOf(collections: KindCollections): UserRuntime {
  const runtime = runtimes.get(collections);
  if (!runtime) throw new Error('no authenticator was composed for this store');
  return runtime;
}

export function maybeUserRuntimeOf(collections: KindCollections): UserRuntime | undefined {
  return runtimes.get(collections);
}
