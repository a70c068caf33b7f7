export type { CurrentStore } from './current-store';
export { expectSlipwayError } from './expect-slipway-error';
export * from './fixtures';
export type { StoreUnderTest } from './open-store';
export {
  describeIdempotencyStoreContract,
  describeInstallationStoreContract,
  describeKindCollectionsContract,
  describeResourceStoreContract,
  describeRunStoreContract,
} from './port-contracts';
export { allRecords, bucketsFromRecords, sortBuckets } from './rollup-records';
export { describeStoreContract } from './store-contract';
