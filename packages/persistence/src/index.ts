export { LmdbStore, type LmdbStoreOptions } from './embedded/lmdb-store';
export { MongoStore, type MongoStoreOptions } from './mongo/mongo-store';
export type { ReconcileReport } from './mongo/reconcile';
