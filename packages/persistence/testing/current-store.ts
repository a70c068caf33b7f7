import type { Store } from '@slipway/domain';

/** Gives each contract test the store opened for it. */
export type CurrentStore = () => Store;
