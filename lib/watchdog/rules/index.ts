export * from './portable';
export * from './loop';
export * from './rule-sets';
export * from './signals';
