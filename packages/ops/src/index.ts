export * from './executors/bullmq/bullmq-executor';
export * from './executors/bullmq/bullmq-worker';
export { describeRedisTarget, type RedisTarget } from './executors/bullmq/redis-target';
export { DEFAULT_QUEUE_NAME } from './executors/bullmq/run-queue';
export * from './executors/inline-executor';
export { bindingsWithStepFault, stepFaultFrom, withStepFault } from './executors/step-fault';
export * from './local/cluster/local-cluster-provider';
export * from './local/local-image-provider';
export * from './verify/index';
