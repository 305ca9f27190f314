export * from './d30';
export * from './overview';
export * from './prometheus';
export * from './d30-assumptions';
