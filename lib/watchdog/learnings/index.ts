export * from './learnings';
export * from './resolution-learning';
