export * from './portable';
export * from './rule-sets';
