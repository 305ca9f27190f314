export { computeD30Metrics } from './d30-figures';
export { recordD30Decision } from './d30-decision';
export { D30_THRESHOLDS, recommendD30 } from './d30-recommendation';
export type { D30EventSource } from './d30-series';
export * from './overview';
export * from './prometheus';
export * from './d30-assumptions';
