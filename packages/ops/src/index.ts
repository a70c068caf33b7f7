export * from './executors/inline-executor';
export * from './local/cluster/local-cluster-provider';
export * from './local/local-image-provider';
export * from './verify/index';
