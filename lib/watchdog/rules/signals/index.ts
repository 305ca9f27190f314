export * from './artifact-gate';
export * from './lease-expiry';
export * from './loop-detected';
export * from './no-progress';
export * from './worker-silent';
