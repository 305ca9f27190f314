export * from './artifact-checks';
export * from './complete';
export * from './safe-fetch';
