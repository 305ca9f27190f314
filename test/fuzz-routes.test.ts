import { describe, it } from 'vitest';
import { defineRouteFuzz } from './stress/fuzz-kit';

// Route fuzzing (every route, FUZZ_RUNS generated cases each, PGlite console): `npm run test:fuzz`.
// It is opt-in for now: with some generated cases the *test* process spins at full CPU in
// fast-check/vitest while the server stays idle (cause not found yet; docs/RELIABILITY.md), and a
// hanging suite would stop CI. When it completes it has always reported 0 × 5xx.
if (process.env.WATCHDOG_FUZZ === '1') {
  defineRouteFuzz({ runs: Number(process.env.FUZZ_RUNS ?? 4), label: 'route fuzzing', only: ['pglite'] });
} else {
  describe('route fuzzing', () => {
    it.skip('opt-in: npm run test:fuzz (WATCHDOG_FUZZ=1)', () => {});
  });
}
