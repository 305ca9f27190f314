export * from './access';
export * from './admin';
export * from './tokens';
export * from './users';
export * from './job-writes';
