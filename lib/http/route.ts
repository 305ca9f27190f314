import { randomUUID } from 'node:crypto';
import type { NextRequest } from 'next/server';
import type { z } from 'zod';
import type { Database } from '@/db/client';
import { authenticateRequest } from '@/lib/auth/authenticate';
import { isAllowed, type Permission } from '@/lib/auth/permissions';
import { log } from '@/lib/log';
import { appendAudit } from '@/lib/watchdog/audit';
import type { Actor, Ctx } from '@/lib/watchdog/context';
import { type ErrorCode, errorStatus, isWatchdogError, WatchdogError } from '@/lib/watchdog/errors';
import { getRuntimeDatabase } from '@/lib/watchdog/runtime';
import { telemetry } from '@/lib/watchdog/telemetry';
import { rateLimiter } from './rate-limit';

export const MAX_BODY_BYTES = 1024 * 1024;
const MAX_JSON_DEPTH = 64;

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
  /** a name for metrics and the audit log, e.g. "POST /api/watchdog/helper-events" */
  name: string;
  body?: B;
  query?: Q;
  params?: P;
}

interface HandlerArgs<B, Q, P> {
  ctx: Ctx;
  database: Database;
  body: Infer<B>;
  query: Infer<Q>;
  params: Infer<P>;
  req: NextRequest;
}

export function errorBody(code: ErrorCode | string, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

export function errorResponse(e: WatchdogError, headers?: Record<string, string>): Response {
  return json(e.status, errorBody(e.code, e.message, e.details), headers);
}

/** Reads the body with a hard 1 MiB cap, refusing before parsing. */
async function readBody(req: NextRequest): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) throw new WatchdogError('payload_too_large', 'request body is over 1 MiB');
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw new WatchdogError('payload_too_large', 'request body is over 1 MiB');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v && typeof v === 'object') {
      if (d > max) max = d;
      if (max > MAX_JSON_DEPTH) return max;
      for (const child of Object.values(v as object)) stack.push([child, d + 1]);
    }
  }
  return max;
}

function parseJson(text: string): unknown {
  if (!text.trim()) throw new WatchdogError('invalid_json', 'request body is empty; a JSON body is required');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new WatchdogError('invalid_json', 'request body is not valid JSON');
  }
  if (jsonDepth(value) > MAX_JSON_DEPTH) throw new WatchdogError('validation_failed', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`, [{ path: '', message: 'too deeply nested' }]);
  return value;
}

/** zod issues → [{path, message}] for `details`. */
export function zodDetails(error: z.ZodError) {
  return error.issues.slice(0, 50).map((i) => ({ path: i.path.map(String).join('.'), message: i.message, code: i.code }));
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new WatchdogError('validation_failed', `${where} does not match the schema`, zodDetails(r.error));
  return r.data;
}

function queryObject(req: NextRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of req.nextUrl.searchParams) if (!(k in out)) out[k] = v;
  return out;
}

/** Browser-session mutations must come from our own origin (CSRF); bearer tokens are not ambient. */
function checkSameOrigin(req: NextRequest) {
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

async function auditRefusal(database: Database, caller: string, actor: Actor | null, name: string, code: ErrorCode, req: NextRequest) {
  try {
    await appendAudit(database.db, { label: actor?.label ?? caller, role: actor?.role ?? null as never }, new Date(), {
      action: code === 'unauthenticated' ? 'access.unauthenticated' : 'access.forbidden',
      target: name,
      details: { route: name, method: req.method, path: req.nextUrl.pathname, status: errorStatus[code], code },
    });
  } catch (e) {
    log.error({ err: e }, 'could not audit a refused call');
  }
}

/**
 * The one route wrapper: authenticate → permission → size limit → JSON → zod → domain → errors.
 * Every refused call (401/403) is audited; unknown errors become a bare 500.
 */
export function route<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, P extends z.ZodType | undefined = undefined>(
  spec: RouteSpec<B, Q, P>,
  handler: (args: HandlerArgs<B, Q, P>) => Promise<unknown>,
) {
  return async (req: NextRequest, context: { params?: Promise<Record<string, string | string[]>> }): Promise<Response> => {
    const started = performance.now();
    let status = 500;
    let database: Database | null = null;
    let caller = 'anonymous';
    let actor: Actor | null = null;
    try {
      try {
        database = await getRuntimeDatabase();
      } catch (e) {
        log.error({ err: e }, 'database unavailable');
        status = 503;
        return json(503, errorBody('internal_error', 'database unavailable'));
      }
      let rateKey = `ip:${req.headers.get('x-forwarded-for')?.split(',')[0]?.trim() ?? 'local'}`;
      if (spec.permission !== 'public') {
        const auth = await authenticateRequest(req, database.db);
        caller = auth.caller;
        actor = auth.actor;
        if (!actor) {
          status = 401;
          await auditRefusal(database, caller, null, spec.name, 'unauthenticated', req);
          return json(401, errorBody('unauthenticated', auth.presented ? 'credentials are unknown or revoked' : 'credentials required'), {
            'www-authenticate': 'Bearer',
          });
        }
        rateKey = `${actor.via}:${actor.id}`;
      }
      const wait = rateLimiter().take(rateKey);
      if (wait !== null) {
        status = 429;
        return json(429, errorBody('rate_limited', 'too many requests for this credential'), { 'retry-after': String(wait) });
      }
      if (actor && spec.permission !== 'public') {
        if (!isAllowed(actor.role, spec.permission)) throw new WatchdogError('forbidden', `role ${actor.role} may not do this`);
        if (actor.via === 'session' && req.method !== 'GET' && req.method !== 'HEAD') checkSameOrigin(req);
      }
      const rawParams = (await context?.params) ?? {};
      const params = spec.params ? parseWith(spec.params, rawParams, 'path') : undefined;
      const query = spec.query ? parseWith(spec.query, queryObject(req), 'query') : undefined;
      let body: unknown;
      if (spec.body) body = parseWith(spec.body, parseJson(await readBody(req)), 'body');
      const ctx: Ctx = { db: database.db, actor: actor!, now: new Date() };
      const result = await handler({ ctx, database, body: body as Infer<B>, query: query as Infer<Q>, params: params as Infer<P>, req });
      if (result instanceof Response) {
        status = result.status;
        return result;
      }
      const r = result instanceof Reply ? result : new Reply(200, result);
      status = r.status;
      return json(r.status, r.body, r.headers);
    } catch (e) {
      if (isWatchdogError(e)) {
        status = e.status;
        if ((e.code === 'forbidden' || e.code === 'unauthenticated') && database) await auditRefusal(database, caller, actor, spec.name, e.code, req);
        return errorResponse(e);
      }
      status = 500;
      const errorId = randomUUID();
      log.error({ err: e, route: spec.name, errorId }, 'unhandled error');
      return json(500, errorBody('internal_error', 'internal error', { error_id: errorId }));
    } finally {
      telemetry().httpDuration.observe({ route: spec.name, method: req.method, status: String(status) }, (performance.now() - started) / 1000);
    }
  };
}
