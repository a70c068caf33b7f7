export * from './app';
export * from './auth/user-authenticator';
export * from './compose';
export * from './config';
export * from './engine';
export * from './kinds/index';
