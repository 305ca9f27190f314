/**
 * The rules' second public face: the half that needs no database (the signal detection and the
 * version-1 defaults). The worker-side runner imports the rules through this file, so its
 * stand-alone bundle (dist/watchdog-runner.mjs) carries no drizzle, driver or zod code; index.ts
 * re-exports all of it for the console.
 */
export * from './classify';
export * from './rule-defaults';
