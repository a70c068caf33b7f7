import type { Store } from '@slipway/domain';

/** Gives each contract test the store opened for it, seen through the port under test. */
export type CurrentStore<Port = Store> = () => Port;
