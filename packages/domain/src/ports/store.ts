import type { AnalyticsStore } from './analytics-store';
import type { IdempotencyStore } from './idempotency-store';
import type { InstallationStore } from './installation-store';
import type { KindCollections } from './kind-collections';
import type { ResourceStore } from './resource-store';
import type { RunStore } from './run-store';

/** The store as a connection: readiness and shutdown. */
export interface StoreConnection {
  /** Cheap round trip for `/health/ready`. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Everything a store adapter (LmdbStore, MongoStore) implements, one port per aggregate. Only the
 * composition roots and the contract suites name the whole; everything else takes the narrow port
 * it uses (`ResourceStore`, `RunStore`, `IdempotencyStore`, `InstallationStore`, `StoreConnection`).
 */
export interface Store
  extends ResourceStore,
    RunStore,
    AnalyticsStore,
    IdempotencyStore,
    InstallationStore,
    KindCollections,
    StoreConnection {}
