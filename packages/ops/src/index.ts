export * from './by-provider-type';
export {
  type AwsClients,
  type AwsMiddleware,
  type AwsSettings,
  closeAwsClients,
  openAwsClients,
} from './ec2/aws-clients';
export { awsTestMiddleware } from './ec2/aws-test-hooks';
export * from './ec2/ec2-image-provider';
export * from './executors/bullmq/bullmq-executor';
export * from './executors/bullmq/bullmq-worker';
export { describeRedisTarget, type RedisTarget } from './executors/bullmq/redis-target';
export { DEFAULT_QUEUE_NAME } from './executors/bullmq/run-queue';
export * from './executors/inline-executor';
export { bindingsWithStepFault, stepFaultFrom, withStepFault } from './executors/step-fault';
export * from './local/cluster/local-cluster-provider';
export * from './local/local-image-provider';
export * from './local/service/local-service-provider';
export * from './settings/secret-box';
export * from './settings/setting-provider';
export * from './settings/setting-vault';
export * from './settings/settings-resolver';
export * from './users/user-provider';
export * from './verify/index';
