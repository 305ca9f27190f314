import type { NextRequest } from 'next/server';
import type { z } from 'zod';
import type { Database } from '@/db/client';
import { log } from '@/lib/log';
import pkg from '@/package.json';
import type { Ctx } from '@/lib/watchdog/context';
import { currentRuntime, type Runtime } from '@/lib/watchdog/runtime';
import { Answer, answer, errorBody, toResponse } from './respond';
import { answerError, authenticate, authorize, limit, refusalOf, type RouteCall, type RouteSpec, validate } from './route-steps';
import { clientAddress, requestId, type RouteRequest } from './request-info';
import { noteSeen, workersNamedIn, writesEvidence } from './seen';

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

export interface HandlerArgs<B, Q, P> {
  ctx: Ctx;
  database: Database;
  runtime: Runtime;
  body: Infer<B>;
  query: Infer<Q>;
  params: Infer<P>;
  req: RouteRequest;
  /** audits a refusal the handler answers inside a 2xx (e.g. forbidden elements of a batch) */
  recordForbidden: (details: Record<string, unknown>) => Promise<void>;
}

type AnyHandler = (args: HandlerArgs<z.ZodType, z.ZodType, z.ZodType>) => Promise<unknown>;

/** `body`: the whole body, when the server already read it (the node lane), so the route does not read the request's stream. */
export type RouteContext = { params?: Promise<Record<string, string | string[]>>; body?: Uint8Array };

/**
 * A route as Next calls it (a Response); a route made by `route()` also has `answer`: the same route
 * giving its JSON answers as they are (lib/http/respond.ts `Answer`), for the node lane to write
 * without building a Response.
 */
export type RouteHandler = ((req: Request, context: RouteContext) => Promise<Response>) & { answer?: (req: RouteRequest, context: RouteContext) => Promise<Answer | Response> };

/** respond: a handler's result → the answer (a Response as it is, a Reply, or a body for 200). */
function respond(result: unknown): Answer | Response {
  if (result instanceof Response) return result;
  const r = result instanceof Reply ? result : new Reply(200, result);
  return answer(r.status, r.body, r.headers);
}

/** The request id and the console's version on every answer (a redirect's headers are immutable: left as they are). */
function stamp(res: Answer | Response, id: string): Answer | Response {
  // the runner compares the version with its own and warns when the major versions differ
  if (res instanceof Answer) {
    res.headers['x-request-id'] = id;
    res.headers['x-watchdog-version'] = pkg.version;
    return res;
  }
  try {
    res.headers.set('x-request-id', id);
    res.headers.set('x-watchdog-version', pkg.version);
  } catch {
    /* immutable headers */
  }
  return res;
}

/**
 * The one route wrapper, in named steps (lib/http/route-steps.ts):
 * shortcut? → authenticate → limit → authorize → validate (path, query, read body: JSON only, 1 MiB,
 * zod) → call the handler (one domain verb) → respond; any error → answerError (errorToAnswer).
 *
 * - A failed authentication is answered 401 and audited within a per-address bound; an address that
 *   keeps presenting unknown bearer tokens gets 429 (only failed attempts count).
 * - The per-credential rate limit comes before the permission check, so a caller hammering a
 *   forbidden route is slowed down too and cannot flood the audit log with 403s.
 * - Every 403 is audited with the caller and the route; unknown errors become a bare 500.
 *
 * The route table (lib/http/route-table.ts) holds every route; a route file only re-exports its handlers.
 */
export function route<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, P extends z.ZodType | undefined = undefined>(
  spec: RouteSpec<B, Q, P>,
  handler: (args: HandlerArgs<B, Q, P>) => Promise<unknown>,
): RouteHandler {
  const answerRoute = async (req: RouteRequest, context: RouteContext): Promise<Answer | Response> => {
    const started = performance.now();
    const runtime = currentRuntime();
    const reqId = requestId(req.headers);
    let status = 500;
    try {
      const call = await openCall(runtime, req, spec as RouteSpec, reqId);
      if (call instanceof Answer) return stamp(call, reqId);
      if (context?.body) call.bodyBytes = context.body;
      const res = await runSteps(call, handler as AnyHandler, context).catch((e) => answerError(call, e));
      status = res.status;
      return stamp(res, reqId);
    } finally {
      runtime.telemetry.httpDuration.observe({ route: spec.name, method: req.method, status: String(status) }, (performance.now() - started) / 1000);
    }
  };
  return Object.assign(async (req: Request, context: RouteContext) => toResponse(await answerRoute(req, context)), { answer: answerRoute });
}

/** The request's state, with the database opened (503 when it cannot be). */
async function openCall(runtime: Runtime, req: RouteRequest, spec: RouteSpec, reqId: string): Promise<RouteCall | Answer> {
  let database: Database;
  try {
    database = await runtime.database();
  } catch (e) {
    log.error({ err: e }, 'database unavailable');
    return answer(503, errorBody('internal_error', 'database unavailable'));
  }
  // Next hands a NextRequest; the node lane (lib/ingest/node-lane.ts) a plain Request
  const url: URL = (req as Partial<NextRequest>).nextUrl ?? new URL(req.url);
  return { req, url, spec, runtime, database, requestId: reqId, address: clientAddress(req.headers), caller: 'anonymous', actor: null, rateTaken: false };
}

async function runSteps(call: RouteCall, handler: AnyHandler, context: RouteContext): Promise<Answer | Response> {
  const rawParams = (await context?.params) ?? {};
  const shortcut = call.spec.shortcut && (await call.spec.shortcut(call, rawParams));
  if (shortcut) {
    if (shortcut.status < 300) noteSightings(call, call.validBody?.data);
    return shortcut;
  }
  const early = (await authenticate(call)) || limit(call);
  if (early) return early;
  if (call.actor?.workerId) noteSeen(call.database.db, [call.actor.workerId], call.req.headers.get('user-agent'));
  authorize(call);
  const { params, query, body } = await validate(call, rawParams);
  const { database, runtime, req } = call;
  const ctx: Ctx = { db: database.db, actor: call.actor!, now: runtime.clock() };
  const recordForbidden = (details: Record<string, unknown>) => runtime.limiters.refusals.record(database.db, refusalOf(call, 'forbidden', details));
  const res = respond(await handler({ ctx, database, runtime, body, query, params, req, recordForbidden }));
  if (res.status < 300) noteSightings(call, body, call.actor?.workerId);
  return res;
}

/** note sightings: the workers a stored evidence body names (the fleet's last_seen_at; off the critical path). */
function noteSightings(call: RouteCall, body: unknown, alreadySeen?: string | null) {
  if (!writesEvidence(call.spec.permission)) return;
  noteSeen(
    call.database.db,
    workersNamedIn(body).filter((w) => w !== alreadySeen),
    call.req.headers.get('user-agent'),
  );
}
