export * from './audit-chain';
export * from './refusal-audit';
