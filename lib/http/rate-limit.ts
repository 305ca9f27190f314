import { RateLimiter } from '@/lib/watchdog/rate-limiter';
import { currentRuntime } from '@/lib/watchdog/runtime';

export { RateLimiter };

/** Failed authentications per client address: the runtime's limiter. Valid credentials never spend from it. */
export function authFailureLimiter(): RateLimiter {
  return currentRuntime().limiters.authFailures;
}
