export { ADMIN, EngineFixture, lostQueue, storeFailingOn } from './engine-fixture';
export {
  describeExecutorContract,
  type ExecutorContractOptions,
  type ExecutorContractWorld,
  type ExecutorUnderTest,
} from './executor-contract';
export {
  type BuildScript,
  Gate,
  type ProviderCall,
  ScriptedImageProvider,
  untilAborted,
} from './scripted-image-provider';
