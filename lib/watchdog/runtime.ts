import type { IncomingMessage, ServerResponse } from 'node:http';
import { config } from '@/lib/config';
import { type Database, migrateDatabase, openDatabase, type OpenOptions } from '@/db/client';
// The runtime is the composition root: it holds the fast path's committers by type only (no code of lib/ingest runs in the domain).
// eslint-disable-next-line no-restricted-imports
import type { EventGroupCommitter } from '@/lib/ingest/group-commit';
import { type Actor, type Ctx } from './context';
import { RefusalAuditor } from './audit';
import { RateLimiter } from './rate-limiter';
import { LiveHub } from './live';
import { ensureDefaultRules, type RuleSet } from './rules';
import type { Scheduler } from './sweep';
import { createTelemetry, type Telemetry } from './telemetry';

/** Opens a database, applies the migrations and the version-1 rules. */
export async function prepareDatabase(opts: OpenOptions = {}): Promise<Database> {
  const database = await openDatabase(opts);
  try {
    await migrateDatabase(database);
    await ensureDefaultRules(database.db);
  } catch (e) {
    await database.close().catch(() => {});
    throw e;
  }
  return database;
}

/** The request limits of a runtime (see docs/OPERATIONS.md for the variables). */
export interface LimitSettings {
  /** requests per credential (per address on public routes); 0 turns rate limiting off */
  rps: number;
  burst: number;
  /** failed authentications per client address; off whenever rps is 0 */
  authFailureRps: number;
  authFailureBurst: number;
  /** audit entries of 401s per client address (process-wide: ten times both) */
  refusalAuditBurst: number;
  refusalAuditPerMin: number;
}

/** Lease writers tell the scheduler "a deadline moved"; the scheduler listens. */
export interface Notifier {
  nudge(deadline: Date): void;
  listen(listener: (deadline: Date) => void): () => void;
}

/**
 * Everything a console process holds between requests, made once at server start (lib/server-runtime.ts)
 * and passed down: the database, the clock, the caches, the rate limiters, the ingest group committers,
 * the sweep scheduler and the notifier that wakes it. Tests and the CLI make their own with
 * `createRuntime({ database, clock })`. Domain verbs never see it whole: they take a ctx
 * `{db, actor, now}` made by `runtimeCtx`.
 */
export interface Runtime {
  /** the prepared database, opened on first use */
  database(): Promise<Database>;
  clock: () => Date;
  telemetry: Telemetry;
  caches: {
    /** the rules last read per database handle (a hint: every store proves the version) */
    rules: WeakMap<object, RuleSet>;
    /** the prepared token-lookup statement per database handle */
    tokenLookups: WeakMap<object, unknown>;
    /** token id → when its last use was written (one write a minute) */
    tokenUses: Map<string, number>;
    /** token hash → the actor it authenticated as, for tokens seen to authenticate (the statement-verified fast paths, lib/ingest) */
    verifiedTokens: Map<string, Actor>;
  };
  limiters: { requests: RateLimiter; authFailures: RateLimiter; refusals: RefusalAuditor };
  /** one group committer per database handle (lib/ingest/group-commit.ts) */
  committers: WeakMap<object, EventGroupCommitter>;
  scheduler: Scheduler | null;
  /** links committed audit entries into the chain in the background (startAuditLinker); set at server start */
  auditLinker: { kick(): void; stop(): Promise<void> } | null;
  notifier: Notifier;
  /** the live fan-out of GET /api/watchdog/stream (one LISTEN per process) */
  live: LiveHub;
  /** how often an idle stream gets a comment line (WATCHDOG_STREAM_HEARTBEAT_MS, ≤ 15 s) */
  liveHeartbeatMs: number;
  /** what the process's own HTTP server (scripts/serve.mjs) asks first; set at server start */
  nodeLane: ((req: IncomingMessage, res: ServerResponse) => boolean) | null;
  /** the local admin secret of server.json, when this process holds the embedded database */
  adminSecret: string | null;
}

export interface RuntimeOptions {
  /** an open database, or how to open one (default: DATABASE_URL, else PGlite under the data dir) */
  database?: Database | Promise<Database>;
  open?: OpenOptions;
  clock?: () => Date;
  limits?: Partial<LimitSettings>;
  /** the stream's heartbeat interval (default: WATCHDOG_STREAM_HEARTBEAT_MS) */
  liveHeartbeatMs?: number;
}

/** The limits from the environment: WATCHDOG_RATE_LIMIT_RPS (100) and _BURST (400), WATCHDOG_AUTH_FAILURE_RPS (0.2) and _BURST (20), WATCHDOG_REFUSAL_AUDIT_BURST (60) and _PER_MIN (6). */
export function limitsFromEnv(): LimitSettings {
  const c = config();
  return {
    rps: c.rateLimit.rps,
    burst: c.rateLimit.burst,
    authFailureRps: c.authFailures.rps,
    authFailureBurst: c.authFailures.burst,
    refusalAuditBurst: c.refusalAudit.burst,
    refusalAuditPerMin: c.refusalAudit.perMinute,
  };
}

function createNotifier(): Notifier {
  const listeners = new Set<(deadline: Date) => void>();
  return {
    nudge: (deadline) => listeners.forEach((l) => l(deadline)),
    listen: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

export function createRuntime(opts: RuntimeOptions = {}): Runtime {
  const clock = opts.clock ?? (() => new Date());
  const limits = { ...limitsFromEnv(), ...opts.limits };
  let database: Promise<Database> | null = opts.database ? Promise.resolve(opts.database) : null;
  const runtime: Runtime = {
    database() {
      if (!database) {
        const p = prepareDatabase(opts.open);
        database = p;
        // a failed open is tried again by the next request
        p.catch(() => {
          if (database === p) database = null;
        });
      }
      return database;
    },
    clock,
    telemetry: createTelemetry(),
    caches: { rules: new WeakMap(), tokenLookups: new WeakMap(), tokenUses: new Map(), verifiedTokens: new Map() },
    limiters: {
      requests: new RateLimiter(limits.rps, limits.burst),
      authFailures: new RateLimiter(limits.rps > 0 ? limits.authFailureRps : 0, limits.authFailureBurst),
      refusals: new RefusalAuditor(limits.refusalAuditBurst, limits.refusalAuditPerMin, clock),
    },
    committers: new WeakMap(),
    scheduler: null,
    auditLinker: null,
    notifier: createNotifier(),
    live: new LiveHub({ database: () => runtime.database(), clock }),
    liveHeartbeatMs: opts.liveHeartbeatMs ?? config().streamHeartbeatMs,
    nodeLane: null,
    adminSecret: null,
  };
  return runtime;
}

// The one process-wide handle: Next loads each route into a module instance of its own, so the
// runtime made at server start is found through globalThis, under this one key.
const key = Symbol.for('worker-watchdog.runtime');
type G = typeof globalThis & { [key]?: Runtime };

/** The runtime in force: the one made at server start, or a default one made on first use. */
export function currentRuntime(): Runtime {
  return ((globalThis as G)[key] ??= createRuntime());
}

/** Puts a runtime in force for this process (server start, tests, the CLI). */
export function installRuntime(runtime: Runtime): Runtime {
  (globalThis as G)[key] = runtime;
  return runtime;
}

/** The domain's ctx, from a runtime: its database handle, the actor, and its clock's now. */
export function runtimeCtx(runtime: Runtime, db: Database['db'], actor: Actor): Ctx {
  return { db, actor, now: runtime.clock() };
}

/** The process-wide, prepared database (one PGlite instance or one pool per process). */
export function getRuntimeDatabase(): Promise<Database> {
  return currentRuntime().database();
}

/** Tests and the CLI: a fresh runtime over an already open database. */
export function setRuntimeDatabase(database: Database, opts: Omit<RuntimeOptions, 'database'> = {}): Runtime {
  return installRuntime(createRuntime({ ...opts, database }));
}
