export * from './acknowledge-incident';
export * from './incident';
export * from './worker-incidents';
export * from './list-incidents';
export * from './resolve-incident';
export * from './silences';
