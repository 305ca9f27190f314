import { defineRouteFuzz } from './stress/fuzz-kit';

// Route fuzzing in `npm test`: every route, FUZZ_RUNS generated cases each (default 25), on the
// PGlite and the PostgreSQL console (each fuzz run starts its own). `npm run test:fuzz` runs the
// same file with more cases (FUZZ_RUNS=100); the large run is test/stress/fuzz-routes-large.test.ts.
// FUZZ_SEED fixes the seeds; the stall guard and the time limits are in the kit.
defineRouteFuzz({ runs: Number(process.env.FUZZ_RUNS ?? 25), label: 'route fuzzing' });
