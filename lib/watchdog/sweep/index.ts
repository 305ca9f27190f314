export * from './scheduler';
export * from './scheduler-signal';
export * from './sweep';
export { sweepStatements } from './sweep-statements';
