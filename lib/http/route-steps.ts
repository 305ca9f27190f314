import type { z } from 'zod';
import type { Database } from '@/db/client';
import { authenticateRequest } from '@/lib/auth/authenticate';
import { isAllowed, type Permission } from '@/lib/auth/permissions';
import { log } from '@/lib/log';
import { noteTokenUse } from '@/lib/watchdog/access';
import type { Actor } from '@/lib/watchdog/context';
import { errorToAnswer, WatchdogError } from '@/lib/watchdog/errors';
import type { Runtime } from '@/lib/watchdog/runtime';
import { assertDeclaredLength, assertJsonContentType, decodeBody, parseJson, readBody } from './body';
import type { RouteRequest } from './request-info';
import { type Answer, answer, errorBody } from './respond';

/** What a route declares besides its handler: the permission and the schemas. */
export interface RouteSpec<B = unknown, Q = unknown, P = unknown> {
  /** the permission-table verb this route needs; 'public' skips authentication */
  permission: Permission | 'public';
  /** a name for metrics and the audit log, e.g. "POST /helper-events" */
  name: string;
  body?: B;
  query?: Q;
  params?: P;
  /** leave U+0000 inside body strings to the body schema (for batches whose elements are judged one by one) */
  allowNulInBody?: boolean;
  /** a way to answer before the steps (the statement-verified fast paths, lib/ingest): an answer, or null to go on */
  shortcut?: Shortcut;
}

/** rawParams: the path parameters as the router hands them (not yet validated). */
export type Shortcut = (call: RouteCall, rawParams: Record<string, string | string[]>) => Promise<Answer | null>;

/** One request on its way through the steps: what each step learnt, for the next ones. */
export interface RouteCall {
  req: RouteRequest;
  url: URL;
  spec: RouteSpec;
  runtime: Runtime;
  database: Database;
  requestId: string;
  address: string;
  caller: string;
  actor: Actor | null;
  /** set once a step took this request's rate-limit token */
  rateTaken: boolean;
  /** the body text, read at most once */
  bodyText?: Promise<string>;
  /** the whole body, when the server read it before the route (the node lane: its length is already checked) */
  bodyBytes?: Uint8Array;
  /** a body a shortcut already validated against spec.body */
  validBody?: { data: unknown };
}

/** zod issues → [{path, message, code}] for `details`. */
export function zodDetails(error: z.ZodError) {
  return error.issues.slice(0, 50).map((i) => ({ path: i.path.map(String).join('.'), message: i.message, code: i.code }));
}

const rateLimited = (wait: number, message: string) => answer(429, errorBody('rate_limited', message), { 'retry-after': String(wait) });

/** authenticate: who calls. A failed bearer token spends from the address's failure bucket (429 when empty); every 401 is audited within its bound. */
export async function authenticate(call: RouteCall): Promise<Answer | null> {
  if (call.spec.permission === 'public') return null;
  const auth = await authenticateRequest(call.req, call.database.db);
  call.caller = auth.caller;
  call.actor = auth.actor;
  if (auth.actor) {
    if (auth.actor.via === 'token') noteUse(call, auth.actor.id);
    return null;
  }
  if (auth.waiting) {
    // a person signed in by single sign-on who has no role yet: may call nothing (rate-limited first)
    const waitFor = limit(call, `session:${auth.caller}`);
    if (waitFor) return waitFor;
    throw new WatchdogError('forbidden', 'your account is waiting for an owner to give it a role');
  }
  const { authFailures, refusals } = call.runtime.limiters;
  // only a presented bearer token can be a guess; a missing or expired session (a stale browser tab) is not
  const wait = auth.kind === 'token' ? authFailures.take(call.address) : null;
  if (wait !== null) {
    refusals.countUnaudited();
    return rateLimited(wait, 'too many failed authentications from this address');
  }
  await refusals.record(call.database.db, refusalOf(call, 'unauthenticated'));
  return answer(401, errorBody('unauthenticated', auth.presented ? 'credentials are unknown or revoked' : 'credentials required'), { 'www-authenticate': 'Bearer' });
}

/** limit: one token from the caller's bucket (the credential, or the address on public routes) — before the permission check, so a forbidden caller is slowed too. */
export function limit(call: RouteCall, key = call.actor ? `${call.actor.via}:${call.actor.id}` : `ip:${call.address}`): Answer | null {
  if (call.rateTaken) return null;
  call.rateTaken = true;
  const wait = call.runtime.limiters.requests.take(key);
  return wait === null ? null : rateLimited(wait, 'too many requests for this credential');
}

/** authorize: the permission table, and the same-origin rule for browser sessions that change data (CSRF). */
export function authorize(call: RouteCall): void {
  const { actor, spec, req } = call;
  if (!actor) return;
  if (!isAllowed(actor.role, spec.permission as Permission)) throw new WatchdogError('forbidden', `role ${actor.role} may not do this`);
  if (actor.via === 'session' && req.method !== 'GET' && req.method !== 'HEAD') checkSameOrigin(req);
}

/** Browser-session mutations must come from our own origin (CSRF); bearer tokens are not ambient. */
function checkSameOrigin(req: RouteRequest) {
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

/** read body: JSON only (415 otherwise), 1 MiB cap, read once; routes without a body only have their declared length checked. */
export async function readJsonBody(call: RouteCall): Promise<unknown> {
  if (!call.spec.body) {
    await assertDeclaredLength(call.req);
    return undefined;
  }
  assertJsonContentType(call.req.headers);
  const bytes = call.bodyBytes;
  call.bodyText ??= bytes ? Promise.resolve().then(() => decodeBody(bytes)) : readBody(call.req);
  return parseJson(await call.bodyText, { allowNul: call.spec.allowNulInBody });
}

/** validate: path (a path that does not parse names nothing: 404), query (a key given twice is refused), body. */
export async function validate(call: RouteCall, rawParams: Record<string, string | string[]>) {
  const { spec, url } = call;
  const params = spec.params ? parseWith(spec.params as z.ZodType, rawParams, (d) => new WatchdogError('not_found', `nothing exists at ${url.pathname.slice(0, 300)}`, d)) : undefined;
  const query = spec.query ? parseQuery(spec.query as z.ZodType, queryObject(url)) : undefined;
  let body: unknown;
  if (call.validBody) body = call.validBody.data;
  else {
    const raw = await readJsonBody(call);
    if (spec.body) body = parseWith(spec.body as z.ZodType, raw, (d) => new WatchdogError('validation_failed', 'body does not match the schema', d));
  }
  return { params, query, body };
}

function parseWith(schema: z.ZodType, value: unknown, refuse: (details: unknown) => WatchdogError): unknown {
  const r = schema.safeParse(value);
  if (!r.success) throw refuse(zodDetails(r.error));
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

function parseQuery(schema: z.ZodType, raw: Record<string, string | string[]>): unknown {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const details = zodDetails(r.error).map((d) => {
    const key = d.path.split('.')[0];
    return Array.isArray(raw[key]) ? { ...d, message: `${key} is given more than once; give it once` } : d;
  });
  throw new WatchdogError('validation_failed', 'query does not match the schema', details);
}

/** What the audit log keeps of a refused call. */
export function refusalOf(call: RouteCall, code: 'unauthenticated' | 'forbidden', details?: Record<string, unknown>) {
  return {
    caller: call.actor?.label ?? call.caller,
    role: call.actor?.role ?? null,
    route: call.spec.name,
    method: call.req.method,
    path: call.url.pathname.slice(0, 500),
    status: code === 'unauthenticated' ? (401 as const) : (403 as const),
    code,
    requestId: call.requestId,
    address: call.address,
    details,
  };
}

/** An error → its answer (errorToAnswer); refusals are audited, unknown errors logged with the request id. */
export async function answerError(call: RouteCall, e: unknown): Promise<Answer> {
  const mapped = errorToAnswer(e, call.requestId);
  const code = mapped.body.error.code;
  if (mapped.known && (code === 'forbidden' || code === 'unauthenticated')) await call.runtime.limiters.refusals.record(call.database.db, refusalOf(call, code));
  if (!mapped.known) log.error({ err: e, route: call.spec.name, requestId: call.requestId }, 'unhandled error');
  else if (mapped.status === 400 && !(e instanceof WatchdogError)) log.warn({ err: e, route: call.spec.name, requestId: call.requestId }, 'input the database cannot store');
  return answer(mapped.status, mapped.body);
}

/** `api_tokens.last_used_at`, to the minute, without holding up the request. */
export function noteUse(call: RouteCall, tokenId: string) {
  noteTokenUse(call.database.db, tokenId, call.runtime.clock()).catch((e) => log.warn({ err: e }, 'could not record a token use'));
}
