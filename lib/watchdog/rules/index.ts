export * from './classify';
export * from './rule-defaults';
export * from './rule-sets';
