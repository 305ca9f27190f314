export * from './incident';
export * from './worker-incidents';
