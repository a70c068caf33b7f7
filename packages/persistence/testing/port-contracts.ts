import type {
  AnalyticsStore,
  IdempotencyStore,
  InstallationStore,
  KindCollections,
  ResourceStore,
  RunStore,
} from '@slipway/domain';
import { describe } from 'vitest';
import { auditListingContract } from './audit-listing-contract';
import type { CurrentStore } from './current-store';
import { idempotencyContract } from './idempotency-contract';
import { installationContract } from './installation-contract';
import { kindCollectionsContract } from './kind-collections-contract';
import { mapKeysContract } from './map-keys-contract';
import { type StoreUnderTest, useOpenStore } from './open-store';
import { resourceContract } from './resource-contract';
import { resourceListingContract } from './resource-listing-contract';
import { rollupContract } from './rollup-contract';
import { runContract } from './run-contract';
import { transitionContract } from './transition-contract';
import { transitionListingContract } from './transition-listing-contract';

/**
 * One contract per store port. Resources and runs are one aggregate in the stores (a run claims
 * its resource, a transition moves it), so their suites need both ports to build their fixtures.
 */
export function resourceStoreContract(store: CurrentStore<ResourceStore & RunStore>): void {
  describe('ResourceStore', () => {
    resourceContract(store);
    resourceListingContract(store);
    mapKeysContract(store);
  });
}

export function runStoreContract(store: CurrentStore<ResourceStore & RunStore>): void {
  describe('RunStore', () => {
    runContract(store);
    transitionContract(store);
    transitionListingContract(store);
    auditListingContract(store);
  });
}

export function analyticsStoreContract(store: CurrentStore<ResourceStore & RunStore & AnalyticsStore>): void {
  describe('AnalyticsStore', () => {
    rollupContract(store);
  });
}

export function idempotencyStoreContract(store: CurrentStore<IdempotencyStore>): void {
  describe('IdempotencyStore', () => {
    idempotencyContract(store);
  });
}

export function installationStoreContract(store: CurrentStore<InstallationStore>): void {
  describe('InstallationStore', () => {
    installationContract(store);
  });
}

export function kindCollectionsStoreContract(store: CurrentStore<KindCollections>): void {
  describe('KindCollections', () => {
    kindCollectionsContract(store);
  });
}

/** The promises of `KindCollections`, for an adapter of that port. */
export function describeKindCollectionsContract(
  name: string,
  adapter: StoreUnderTest<KindCollections>,
): void {
  describe(`KindCollections contract: ${name}`, () => kindCollectionsStoreContract(useOpenStore(adapter)));
}

/** The promises of `ResourceStore`, for an adapter of that port. */
export function describeResourceStoreContract(
  name: string,
  adapter: StoreUnderTest<ResourceStore & RunStore>,
): void {
  describe(`ResourceStore contract: ${name}`, () => resourceStoreContract(useOpenStore(adapter)));
}

/** The promises of `RunStore` (runs and their transitions), for an adapter of that port. */
export function describeRunStoreContract(
  name: string,
  adapter: StoreUnderTest<ResourceStore & RunStore>,
): void {
  describe(`RunStore contract: ${name}`, () => runStoreContract(useOpenStore(adapter)));
}

/** The promises of `IdempotencyStore`, for an adapter of that port. */
export function describeIdempotencyStoreContract(
  name: string,
  adapter: StoreUnderTest<IdempotencyStore>,
): void {
  describe(`IdempotencyStore contract: ${name}`, () => idempotencyStoreContract(useOpenStore(adapter)));
}

/** The promises of `InstallationStore`, for an adapter of that port. */
export function describeInstallationStoreContract(
  name: string,
  adapter: StoreUnderTest<InstallationStore>,
): void {
  describe(`InstallationStore contract: ${name}`, () => installationStoreContract(useOpenStore(adapter)));
}
