import { defineRouteFuzz } from './stress/fuzz-kit';

// Quick route fuzzing for `npm test`: every route, a bounded number of generated cases each
// (FUZZ_RUNS, default 25). The large run is test/stress/fuzz-routes-large.test.ts.
defineRouteFuzz({ runs: Number(process.env.FUZZ_RUNS ?? 25), label: 'route fuzzing (quick)' });
