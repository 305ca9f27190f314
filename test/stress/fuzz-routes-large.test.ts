import { defineRouteFuzz } from './fuzz-kit';

// The large route fuzzing run for `npm run test:stress` (STRESS_FUZZ_RUNS cases per route, default 150).
defineRouteFuzz({ runs: Number(process.env.STRESS_FUZZ_RUNS ?? 150), label: 'route fuzzing (large)' });
