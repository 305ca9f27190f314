export * from './live-hub';
export * from './load-changes';
