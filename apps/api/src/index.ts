export * from './app';
export * from './auth/admin-token';
export * from './compose';
export * from './config';
export * from './engine';
export * from './kinds/index';
