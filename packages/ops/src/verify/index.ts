export * from './check-result';
export * from './directory-exists';
export * from './file-exists';
export * from './http-answers';
export * from './path-absent';
export * from './port-open';
export * from './process-running';
export * from './run-checks';
