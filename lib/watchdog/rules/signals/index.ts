export * from './loop-detected';
export * from './no-progress';
export * from './worker-silent';
