export { computeD30Metrics, type D30Options } from './d30-figures';
export { recordD30Decision } from './d30-decision';
export { listD30Decisions } from './d30-decisions';
export { D30_GOAL, D30_THRESHOLDS, type D30Figures, recommendD30 } from './d30-recommendation';
export type { D30EventSource } from './d30-series';
export { D30_DEFAULT_DAYS, D30_MAX_DAYS, type D30Window, resolveD30Window, windowDays } from './d30-window';
export * from './overview';
export * from './prometheus';
