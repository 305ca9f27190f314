import { defineRouteFuzz } from './fuzz-kit';

// The large route fuzzing run in `npm run test:stress`: every route, STRESS_FUZZ_RUNS generated
// cases each (default 150), on the PGlite and the PostgreSQL console. FUZZ_SEED fixes the seeds.
defineRouteFuzz({ runs: Number(process.env.STRESS_FUZZ_RUNS ?? 150), label: 'route fuzzing (large)' });
