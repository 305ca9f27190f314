/** Per-credential token buckets (per process). `rps` 0 turns limiting off. */
export class RateLimiter {
  private buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private rps: number,
    private burst: number,
  ) {}

  /** null when allowed, else the seconds to wait. */
  take(key: string, now = Date.now()): number | null {
    if (this.rps <= 0) return null;
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rps);
    b.at = now;
    if (this.buckets.size > 50_000) this.buckets.clear();
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return null;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.rps));
  }
}

const key = Symbol.for('worker-watchdog.rate-limiter');
type G = typeof globalThis & { [key]?: RateLimiter };

export function rateLimiter(): RateLimiter {
  const g = globalThis as G;
  g[key] ??= new RateLimiter(Number(process.env.WATCHDOG_RATE_LIMIT_RPS ?? 100), Number(process.env.WATCHDOG_RATE_LIMIT_BURST ?? 400));
  return g[key]!;
}
