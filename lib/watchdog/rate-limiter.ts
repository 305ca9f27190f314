/**
 * Token buckets keyed by caller (per process). `rps` 0 turns a limiter off.
 *
 * The map is an LRU: a bucket is moved to the end whenever it is used, and when the map is full
 * the least recently used buckets are dropped. A caller flooding the map with fresh keys (spoofed
 * addresses) therefore only evicts idle buckets — those are full again anyway — and can never
 * reset the bucket of a caller that is being limited right now.
 */
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
