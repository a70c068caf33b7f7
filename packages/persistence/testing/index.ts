export type { CurrentStore } from './current-store';
export { expectSlipwayError } from './expect-slipway-error';
export * from './fixtures';
export { describeStoreContract } from './store-contract';
