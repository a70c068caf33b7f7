export * from './app';
export * from './auth/admin-token';
export * from './compose';
export * from './config';
