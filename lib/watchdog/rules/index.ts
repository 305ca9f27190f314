export * from './classify';
export * from './loop';
export * from './rule-defaults';
export * from './rule-sets';
export * from './signals';
