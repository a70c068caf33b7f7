export * from './executors/inline-executor';
export * from './local/local-image-provider';
export * from './verify/index';
