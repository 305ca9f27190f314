export * from './d30';
export * from './overview';
export * from './prometheus';
