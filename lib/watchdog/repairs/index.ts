export * from './delegated';
export * from './obsolete-requests';
export * from './repair-actions';
