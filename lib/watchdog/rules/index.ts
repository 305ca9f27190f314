export * from './portable';
export * from './loop';
export * from './rule-sets';
export * from './signals';
export * from './preview';
export * from './replay';
export * from './replay-evidence';
