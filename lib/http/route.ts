import type { NextRequest } from 'next/server';
import type { z } from 'zod';
import type { Database, Db } from '@/db/client';
import { authenticateRequest, bearerSecret, verifiedTokenId } from '@/lib/auth/authenticate';
import { isAllowed, type Permission, permissions } from '@/lib/auth/permissions';
import { log } from '@/lib/log';
import type { Actor, Ctx } from '@/lib/watchdog/context';
import { isWatchdogError, WatchdogError } from '@/lib/watchdog/errors';
import type { StatementCredential } from '@/lib/watchdog/events';
import { noteTokenUse, presentedTokenHash } from '@/lib/watchdog/access';
import { getRuntimeDatabase } from '@/lib/watchdog/runtime';
import { telemetry } from '@/lib/watchdog/telemetry';
import { assertDeclaredLength, parseJson, readBody } from './body';
import { authFailureLimiter, rateLimiter } from './rate-limit';
import { refusalAuditor } from './refusal-audit';
import { clientAddress, requestId } from './request-info';
import { errorBody, errorResponse, json } from './respond';

export { MAX_BODY_BYTES } from './body';
export { errorBody, errorResponse } from './respond';

/** What a handler may return: a body (200) or an explicit status, body and headers. */
export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}
export const reply = (status: number, body: unknown, headers?: Record<string, string>) => new Reply(status, body, headers);

type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;

interface RouteSpec<B, Q, P> {
  /** the permission-table verb this route needs; 'public' skips authentication */
  permission: Permission | 'public';
  /** a name for metrics and the audit log, e.g. "POST /helper-events" */
  name: string;
  body?: B;
  query?: Q;
  params?: P;
  /** leave U+0000 inside body strings to the body schema (for batches whose elements are judged one by one) */
  allowNulInBody?: boolean;
  /**
   * A hot path tried before authentication when the request carries a bearer token this process has
   * seen authenticate (for its rate-limit key) and a valid body: the handler must verify the
   * credential inside the statement that writes (see ingestHealthyEventByToken) and return null,
   * having written nothing, whenever the full path should answer instead.
   */
  statementAuth?: (args: { db: Db; now: Date; credential: StatementCredential; body: Infer<B> }) => Promise<Reply | null>;
}

interface HandlerArgs<B, Q, P> {
  ctx: Ctx;
  database: Database;
  body: Infer<B>;
  query: Infer<Q>;
  params: Infer<P>;
  req: Request;
  /** audits a refusal the handler answers inside a 2xx (e.g. forbidden elements of a batch) */
  recordForbidden: (details: Record<string, unknown>) => Promise<void>;
}

/** zod issues → [{path, message, code}] for `details`. */
export function zodDetails(error: z.ZodError) {
  return error.issues.slice(0, 50).map((i) => ({ path: i.path.map(String).join('.'), message: i.message, code: i.code }));
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new WatchdogError('validation_failed', `${where} does not match the schema`, zodDetails(r.error));
  return r.data;
}

/** A path that does not parse names nothing that exists: 404, with the reason in `details`. */
function parseParams<S extends z.ZodType>(schema: S, value: unknown, path: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new WatchdogError('not_found', `nothing exists at ${path.slice(0, 300)}`, zodDetails(r.error));
  return r.data;
}

/** Query string → object. A key given twice becomes an array, which a scalar schema refuses (never "first one wins"). */
function queryObject(url: URL): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

function parseQuery<S extends z.ZodType>(schema: S, raw: Record<string, string | string[]>): z.output<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const details = zodDetails(r.error).map((d) => {
    const key = d.path.split('.')[0];
    return Array.isArray(raw[key]) ? { ...d, message: `${key} is given more than once; give it once` } : d;
  });
  throw new WatchdogError('validation_failed', 'query does not match the schema', details);
}

/** Browser-session mutations must come from our own origin (CSRF); bearer tokens are not ambient. */
function checkSameOrigin(req: Request) {
  const site = req.headers.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') throw new WatchdogError('forbidden', 'cross-site request refused');
  const origin = req.headers.get('origin');
  if (origin) {
    const host = req.headers.get('x-forwarded-host') ?? req.headers.get('host');
    let originHost = '';
    try {
      originHost = new URL(origin).host;
    } catch {
      /* malformed origin */
    }
    if (!host || originHost !== host) throw new WatchdogError('forbidden', 'cross-origin request refused');
  } else if (!site) {
    throw new WatchdogError('forbidden', 'browser requests that change data need an Origin header');
  }
}

/** `api_tokens.last_used_at`, to the minute, without holding up the request. */
function noteUse(db: Db, tokenId: string) {
  noteTokenUse(db, tokenId, new Date()).catch((e) => log.warn({ err: e }, 'could not record a token use'));
}

/** PostgreSQL "data exception" (SQLSTATE class 22): the input could not be stored, e.g. an out-of-range value. */
function isDataException(e: unknown): boolean {
  for (let cur: unknown = e, i = 0; cur && i < 5; cur = (cur as { cause?: unknown }).cause, i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code)) return true;
  }
  return false;
}

/**
 * The one route wrapper: authenticate → rate limit → permission → path → query → body (1 MiB cap,
 * JSON, zod) → domain → errors in the API.md shape.
 *
 * - A failed authentication is answered 401 and audited within a per-address bound; an address that
 *   keeps presenting unknown bearer tokens gets 429 (only failed attempts count, so valid callers
 *   behind the same address are untouched).
 * - The per-credential rate limit comes before the permission check, so a caller hammering a
 *   forbidden route is slowed down too and cannot flood the audit log with 403s.
 * - Every 403 is audited with the caller and the route; unknown errors become a bare 500.
 */
export function route<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, P extends z.ZodType | undefined = undefined>(
  spec: RouteSpec<B, Q, P>,
  handler: (args: HandlerArgs<B, Q, P>) => Promise<unknown>,
) {
  return async (req: Request, context: { params?: Promise<Record<string, string | string[]>> }): Promise<Response> => {
    const started = performance.now();
    // Next hands a NextRequest; the node lane (lib/http/node-lane.ts) a plain Request
    const url: URL = (req as Partial<NextRequest>).nextUrl ?? new URL(req.url);
    const reqId = requestId(req.headers);
    const address = clientAddress(req.headers);
    let status = 500;
    let database: Database | null = null;
    let caller = 'anonymous';
    let actor: Actor | null = null;
    const finish = (res: Response): Response => {
      status = res.status;
      try {
        res.headers.set('x-request-id', reqId);
      } catch {
        /* immutable headers (e.g. a redirect): leave them */
      }
      return res;
    };
    const refusal = (code: 'unauthenticated' | 'forbidden', details?: Record<string, unknown>) => ({
      caller: actor?.label ?? caller,
      role: actor?.role ?? null,
      route: spec.name,
      method: req.method,
      path: url.pathname.slice(0, 500),
      status: code === 'unauthenticated' ? (401 as const) : (403 as const),
      code,
      requestId: reqId,
      address,
      details,
    });
    try {
      try {
        database = await getRuntimeDatabase();
      } catch (e) {
        log.error({ err: e }, 'database unavailable');
        return finish(json(503, errorBody('internal_error', 'database unavailable')));
      }
      // the body is read once, whichever path ends up parsing it (a read error surfaces where the full path parses)
      let bodyText: Promise<string> | null = null;
      const readBodyOnce = () => (bodyText ??= readBody(req));
      let rateTaken = false;
      // a body the hot path already validated is not parsed again when the full path answers
      let fastParse: { success: true; data: unknown } | { success: false } | null = null;
      if (spec.statementAuth && spec.body && spec.permission !== 'public') {
        const secret = bearerSecret(req.headers);
        const tokenHash = secret ? presentedTokenHash(secret) : null;
        const tokenId = tokenHash ? verifiedTokenId(tokenHash) : undefined;
        if (tokenHash && tokenId) {
          rateTaken = true;
          const wait = rateLimiter().take(`token:${tokenId}`);
          if (wait !== null) {
            return finish(json(429, errorBody('rate_limited', 'too many requests for this credential'), { 'retry-after': String(wait) }));
          }
          fastParse = await readBodyOnce().then(
            (text) => spec.body!.safeParse(parseJson(text, { allowNul: spec.allowNulInBody })),
            () => null,
          ).catch(() => null);
          if (fastParse?.success) {
            const credential = { tokenHash, roles: permissions[spec.permission as Permission] };
            const fast = await spec.statementAuth({ db: database.db, now: new Date(), credential, body: fastParse.data as Infer<B> });
            if (fast) {
              noteUse(database.db, tokenId);
              return finish(json(fast.status, fast.body, fast.headers));
            }
          }
        }
      }
      let rateKey = `ip:${address}`;
      if (spec.permission !== 'public') {
        const auth = await authenticateRequest(req as NextRequest, database.db);
        caller = auth.caller;
        actor = auth.actor;
        if (!actor && auth.waiting) {
          const waitFor = rateLimiter().take(`session:${auth.caller}`);
          if (waitFor !== null) return finish(json(429, errorBody('rate_limited', 'too many requests for this credential'), { 'retry-after': String(waitFor) }));
          throw new WatchdogError('forbidden', 'your account is waiting for an owner to give it a role');
        }
        if (!actor) {
          // only a presented bearer token can be a guess; a missing or expired session (a stale browser tab) is not
          const wait = auth.kind === 'token' ? authFailureLimiter().take(address) : null;
          if (wait !== null) {
            refusalAuditor().countUnaudited();
            return finish(json(429, errorBody('rate_limited', 'too many failed authentications from this address'), { 'retry-after': String(wait) }));
          }
          await refusalAuditor().record(database.db, refusal('unauthenticated'));
          return finish(
            json(401, errorBody('unauthenticated', auth.presented ? 'credentials are unknown or revoked' : 'credentials required'), { 'www-authenticate': 'Bearer' }),
          );
        }
        rateKey = `${actor.via}:${actor.id}`;
        if (actor.via === 'token') noteUse(database.db, actor.id);
      }
      const wait = rateTaken ? null : rateLimiter().take(rateKey);
      if (wait !== null) {
        return finish(json(429, errorBody('rate_limited', 'too many requests for this credential'), { 'retry-after': String(wait) }));
      }
      if (actor) {
        if (!isAllowed(actor.role, spec.permission as Permission)) throw new WatchdogError('forbidden', `role ${actor.role} may not do this`);
        if (actor.via === 'session' && req.method !== 'GET' && req.method !== 'HEAD') checkSameOrigin(req);
      }
      const rawParams = (await context?.params) ?? {};
      const params = spec.params ? parseParams(spec.params, rawParams, url.pathname) : undefined;
      const query = spec.query ? parseQuery(spec.query, queryObject(url)) : undefined;
      let body: unknown;
      if (spec.body) body = fastParse?.success ? fastParse.data : parseWith(spec.body, parseJson(await readBodyOnce(), { allowNul: spec.allowNulInBody }), 'body');
      else await assertDeclaredLength(req);
      const ctx: Ctx = { db: database.db, actor: actor!, now: new Date() };
      const db = database.db;
      const recordForbidden = (details: Record<string, unknown>) => refusalAuditor().record(db, refusal('forbidden', details));
      const result = await handler({ ctx, database, body: body as Infer<B>, query: query as Infer<Q>, params: params as Infer<P>, req, recordForbidden });
      if (result instanceof Response) return finish(result);
      const r = result instanceof Reply ? result : new Reply(200, result);
      return finish(json(r.status, r.body, r.headers));
    } catch (e) {
      if (isWatchdogError(e)) {
        if ((e.code === 'forbidden' || e.code === 'unauthenticated') && database) await refusalAuditor().record(database.db, refusal(e.code));
        return finish(errorResponse(e));
      }
      if (isDataException(e)) {
        log.warn({ err: e, route: spec.name, requestId: reqId }, 'input the database cannot store');
        return finish(json(400, errorBody('validation_failed', 'a value in the request cannot be stored', [{ path: '', message: 'a value is out of range or not representable' }])));
      }
      log.error({ err: e, route: spec.name, requestId: reqId }, 'unhandled error');
      return finish(json(500, errorBody('internal_error', 'internal error', { error_id: reqId })));
    } finally {
      telemetry().httpDuration.observe({ route: spec.name, method: req.method, status: String(status) }, (performance.now() - started) / 1000);
    }
  };
}
