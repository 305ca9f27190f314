import { defineRouteFuzz } from './stress/fuzz-kit';

// Quick route fuzzing for `npm test`: every route, a bounded number of generated cases each
// (FUZZ_RUNS, default 4). The large run is test/stress/fuzz-routes-large.test.ts.
// Runs of 25 cases per route or more stall the test process at high CPU in fast-check/vitest (cause not
// found yet; see docs/RELIABILITY.md), so the default stays at 4 and the large run is not in test:stress.
// The quick run fuzzes the PGlite console only: on PostgreSQL the test process stalled at high CPU
// in the last runs (under investigation, see docs/RELIABILITY.md); the stress run covers both.
defineRouteFuzz({ runs: Number(process.env.FUZZ_RUNS ?? 4), label: 'route fuzzing (quick)', only: ['pglite'] });
