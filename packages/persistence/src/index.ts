export { LmdbStore, type LmdbStoreOptions } from './embedded/lmdb-store';
