// `@slipway/ops/testing/provider-contract`: the suite every provider of a kind passes (vitest).
export * from './provider-contract';
