export * from './helper-events';
export * from './worker-runs';
