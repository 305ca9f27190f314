export * from './get';
export * from './list';
export * from './seen';
export * from './status';
