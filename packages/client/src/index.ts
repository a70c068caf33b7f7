export type { components, operations, paths } from './generated/slipway-api';
export * from './run-events';
export * from './slipway-client';
