/**
 * Token buckets keyed by caller (per process). `rps` 0 turns a limiter off.
 *
 * The map is an LRU: a bucket is moved to the end whenever it is used, and when the map is full
 * the least recently used buckets are dropped. A caller flooding the map with fresh keys (spoofed
 * addresses) therefore only evicts idle buckets — those are full again anyway — and can never
 * reset the bucket of a caller that is being limited right now.
 */
import { config } from '@/lib/config';
export class RateLimiter {
  private buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    readonly rps: number,
    readonly burst: number,
    private readonly maxKeys = 50_000,
  ) {}

  get enabled(): boolean {
    return this.rps > 0;
  }

  private refill(key: string, now: number) {
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + (Math.max(0, now - b.at) / 1000) * this.rps);
    b.at = now;
    this.buckets.delete(key);
    this.buckets.set(key, b);
    while (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    return b;
  }

  private waitFor(tokens: number): number {
    return Math.max(1, Math.ceil((1 - tokens) / this.rps));
  }

  /** Takes one token: null when allowed, else the whole seconds to wait. */
  take(key: string, now = Date.now()): number | null {
    if (!this.enabled) return null;
    const b = this.refill(key, now);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return null;
    }
    return this.waitFor(b.tokens);
  }

  /** Like `take` without spending: null when a token is there, else the seconds to wait. */
  peek(key: string, now = Date.now()): number | null {
    if (!this.enabled) return null;
    const b = this.refill(key, now);
    return b.tokens >= 1 ? null : this.waitFor(b.tokens);
  }
}

// Route bundles are separate module instances: share the limiters of the process via globalThis.
const key = Symbol.for('worker-watchdog.rate-limiters');
interface Limiters {
  requests: RateLimiter;
  authFailures: RateLimiter;
}
type G = typeof globalThis & { [key]?: Limiters };

function limiters(): Limiters {
  const g = globalThis as G;
  if (!g[key]) {
    const { rateLimit, authFailures } = config();
    const rps = rateLimit.rps;
    g[key] = {
      // per credential (or per address for public routes)
      requests: new RateLimiter(rps, rateLimit.burst),
      // per client address, spent only by failed authentications; off whenever rate limiting is off
      authFailures: new RateLimiter(rps > 0 ? authFailures.rps : 0, authFailures.burst),
    };
  }
  return g[key]!;
}

/** Requests per credential: `WATCHDOG_RATE_LIMIT_RPS` (default 100, 0 = off) and `_BURST` (400). */
export function rateLimiter(): RateLimiter {
  return limiters().requests;
}

/**
 * Failed authentications per client address: `WATCHDOG_AUTH_FAILURE_RPS` (default 0.2/s) and
 * `WATCHDOG_AUTH_FAILURE_BURST` (20). Valid credentials never spend from it, so a fleet behind one
 * address is not locked out by one misconfigured worker.
 */
export function authFailureLimiter(): RateLimiter {
  return limiters().authFailures;
}
