export * from './event-row';
export * from './event-outcome';
export * from './store-healthy';
export * from './ingest-judged';
export * from './ingest-event';
export * from './ingest-batch';
export * from './worker-runs';
