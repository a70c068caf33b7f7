// `@slipway/ops/testing`: fixtures for tests, benchmarks and test-only programs. Nothing here
// imports vitest, so a child process started outside vitest can load it; the vitest suites have
// their own entry points (`@slipway/ops/testing/executor-contract`).

export { loseAnswer, slowBuilders, throttle } from './ec2/injections';
export {
  MOTO_BASE_IMAGE,
  MOTO_MISSING,
  MOTO_POLL,
  motoAccount,
  motoEndpoint,
  motoSettings,
  newMotoAccount,
} from './ec2/moto';
export * from './effect-ledger-provider';
export { ADMIN, EngineFixture, lostQueue, storeFailingOn } from './executor-contract/engine-fixture';
export {
  type BuildScript,
  Gate,
  type ProviderCall,
  ScriptedImageProvider,
  untilAborted,
} from './executor-contract/scripted-image-provider';
export { clusterContext } from './local/cluster/cluster-context';
export { bakeHelloImage } from './local/cluster/hello-images';
export { killEverythingUnder } from './local/cluster/kill-marked';
export { holdServiceLock } from './local/service/hold-service-lock';
export { type LegacyBalancer, startLegacyBalancer } from './local/service/legacy-balancer';
export { provisionService, serviceContext, testServiceProvider } from './local/service/service-context';
