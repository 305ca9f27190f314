export * from './scheduler';
export * from './scheduler-signal';
export * from './sweep';
export * from './sweep-fleet';
export { sweepStatements } from './sweep-statements';
