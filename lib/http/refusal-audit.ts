import { RefusalAuditor } from '@/lib/watchdog/audit';
import { currentRuntime } from '@/lib/watchdog/runtime';

export { RefusalAuditor };

/** The runtime's refusal auditor (the bounded audit of 401s, every 403). */
export function refusalAuditor(): RefusalAuditor {
  return currentRuntime().limiters.refusals;
}
