export * from './repair-actions';
