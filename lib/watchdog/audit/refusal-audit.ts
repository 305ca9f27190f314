import type { Db } from '@/db/client';
import { log } from '@/lib/log';
import type { Role } from '../context';
import { RateLimiter } from '../rate-limiter';
import { type AuditEntry, appendAudit } from './audit-chain';

export interface Refusal {
  /** the caller's label: the token's role and name, the user, or what was presented */
  caller: string;
  /** null when the caller is unknown */
  role: Role | null;
  route: string;
  method: string;
  path: string;
  status: 401 | 403;
  code: 'unauthenticated' | 'forbidden';
  requestId: string;
  address: string;
  /** more about what was refused, e.g. the event ids of a batch */
  details?: Record<string, unknown>;
}

/**
 * Writes refused calls to the audit chain. A 403 comes from a known, rate-limited credential and is
 * always written. A 401 comes from anyone: its entries are bounded per client address
 * (`WATCHDOG_REFUSAL_AUDIT_BURST`, default 60, refilled at `WATCHDOG_REFUSAL_AUDIT_PER_MIN`, default
 * 6 a minute) and process-wide (ten times both), so a caller spraying bad tokens cannot grow the
 * audit log without bound or serialise every request on the audit lock. The 401s past the bound
 * are counted, and the next written entry carries that count as `unaudited_before`. Refused
 * sign-ins share the bound.
 */
export class RefusalAuditor {
  private perAddress: RateLimiter;
  private global: RateLimiter;
  private unaudited = 0;

  constructor(
    burst: number,
    perMinute: number,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.perAddress = new RateLimiter(perMinute / 60, burst, 10_000);
    this.global = new RateLimiter((perMinute * 10) / 60, burst * 10, 1);
  }

  /** Counts an unauthenticated call that was refused without an entry of its own (e.g. a 429). */
  countUnaudited() {
    if (this.unaudited++ === 0) log.warn('unauthenticated calls are being refused faster than they are audited; counting them instead');
  }

  /** A refused API call: a 403 always gets its entry, a 401 within the bound. */
  record(db: Db, refusal: Refusal): Promise<void> {
    return this.write(
      db,
      refusal.status === 401 ? refusal.address : null,
      { label: refusal.caller, role: refusal.role },
      {
        action: refusal.code === 'unauthenticated' ? 'access.unauthenticated' : 'access.forbidden',
        target: refusal.route,
        details: {
          route: refusal.route,
          method: refusal.method,
          path: refusal.path,
          status: refusal.status,
          code: refusal.code,
          request_id: refusal.requestId,
          address: refusal.address,
          ...refusal.details,
        },
      },
    );
  }

  /** A refused sign-in (wrong email or password), within the same bound as a 401. */
  recordLoginRefusal(db: Db, email: string, address: string): Promise<void> {
    return this.write(db, address, { label: `anonymous:${email}`, role: null }, { action: 'login.refused', details: { email, status: 401, address } });
  }

  /** `bounded`: the client address of an unauthenticated caller, whose entries are rate bound; null: always written. */
  private async write(db: Db, bounded: string | null, actor: { label: string; role: Role | null }, entry: AuditEntry): Promise<void> {
    if (bounded !== null && (this.perAddress.take(bounded) !== null || this.global.take('all') !== null)) {
      this.countUnaudited();
      return;
    }
    const unauditedBefore = bounded !== null ? this.unaudited : 0;
    if (bounded !== null) this.unaudited = 0;
    try {
      await appendAudit(db, actor, this.clock(), unauditedBefore ? { ...entry, details: { ...entry.details, unaudited_before: unauditedBefore } } : entry);
    } catch (e) {
      this.unaudited += unauditedBefore;
      log.error({ err: e }, 'could not audit a refused call');
    }
  }
}
