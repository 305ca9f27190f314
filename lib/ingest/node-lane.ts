import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_BODY_BYTES } from '@/lib/http/body';
import { type HeaderReader, PEER_HEADER, type RouteRequest } from '@/lib/http/request-info';
import { Answer, answer, errorBody } from '@/lib/http/respond';
import type { RouteHandler } from '@/lib/http/route';
import { securityHeaders } from '@/lib/http/security-headers';
import { log } from '@/lib/log';
import { errorToAnswer } from '@/lib/watchdog/errors';
import type { Runtime } from '@/lib/watchdog/runtime';

/**
 * The node lane: what the console's own HTTP server (scripts/serve.mjs) answers before a request
 * reaches Next's request handler.
 *
 * 1. A path with broken percent-encoding (`/api/watchdog/jobs/%zz`) names nothing; Next's router
 *    would fail decoding it and answer a bare 500. It is answered 400 here, in the API.md shape
 *    under /api. So is a request target longer than MAX_URL_BYTES.
 *    An API path with an empty segment or a trailing slash (`/api/watchdog/jobs/`) is redirected
 *    here (308) to the path without them, as Next would; Next's redirect carries the whole target
 *    twice (`Location` and `Refresh`), which past 8 KiB is more response header than an HTTP
 *    client reads (Node's fetch stops at 16 KiB).
 * 2. The routes the route table marks `lane` (every worker route — leases, runs, helper events,
 *    artifact checks, complete, repair actions: the fleet's hot path, several requests per job) are served by the very same handlers (lib/http/route-table.ts: auth, rate limit,
 *    permission, JSON only, 1 MiB cap, zod, classification, durable write, errorToAnswer) without Next's per-request pipeline
 *    (routing, config headers, web-stream adaptation, compression), which cost ~2 ms of CPU per
 *    request. Path parameters are matched and decoded here as Next would. Only plain bearer-token
 *    requests (a body with a declared length within the cap, or a GET without one) take the lane; a chunked body, a declared length over the cap, a browser session or anything unusual
 *    goes to Next, whose route serves the same handler.
 */
export type NodeLane = (req: IncomingMessage, res: ServerResponse) => boolean;

const SECURITY_HEADERS: Record<string, string> = Object.fromEntries(securityHeaders(false).map((h) => [h.key.toLowerCase(), h.value]));

/**
 * The longest request target (path and query) answered. nginx's default buffers refuse longer ones
 * too; a redirect that echoes it stays well within the 16 KiB of headers an HTTP client reads.
 */
export const MAX_URL_BYTES = 8 * 1024;

/** Every segment of the raw path decodes as percent-encoded UTF-8. */
export function isDecodablePath(pathname: string): boolean {
  if (!pathname.includes('%')) return true;
  try {
    for (const segment of pathname.split('/')) decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer) {
  res.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** An answer the route steps built (respond.ts), as it is. */
function sendAnswer(res: ServerResponse, a: Answer) {
  send(res, a.status, a.headers, a.text ?? '');
}

/** A request target the console answers before routing: 400 in the API.md shape under /api, `page` (status and text) elsewhere. */
function refuseTarget(res: ServerResponse, pathname: string, api: { message: string; detail: { path: string; message: string } }, page: { status: number; text: string }) {
  if (pathname.startsWith('/api/')) sendAnswer(res, answer(400, errorBody('validation_failed', api.message, [api.detail])));
  else send(res, page.status, { 'content-type': 'text/plain; charset=utf-8' }, page.text);
}

/** An API path without its empty segments and trailing slash (what Next redirects to); null when it has none. */
export function canonicalApiPath(pathname: string): string | null {
  if (!pathname.startsWith('/api/')) return null;
  const canonical = pathname.replace(/\/{2,}/g, '/').replace(/\/+$/, '');
  return canonical === pathname ? null : canonical;
}

/** Methods the lane serves: writes with a declared body, and reads without one. */
const LANE_METHODS = new Set(['GET', 'POST', 'PATCH']);

/**
 * A bearer-token request with nothing unusual about it: POST/PATCH with a declared body length
 * within the cap, or a GET with no body at all. A cookie (a browser session), a chunked body, a
 * declared length over the cap go to Next, whose route serves the same handler.
 */
function takesLane(req: IncomingMessage): boolean {
  if (!LANE_METHODS.has(req.method ?? '') || req.headers['transfer-encoding'] !== undefined) return false;
  if (typeof req.headers.authorization !== 'string' || req.headers.cookie !== undefined) return false;
  const length = req.headers['content-length'];
  if (req.method === 'GET') return length === undefined || length === '0';
  return typeof length === 'string' && /^\d{1,7}$/.test(length) && Number(length) <= MAX_BODY_BYTES;
}

/** The HTTP whitespace a Fetch `Headers` strips from both ends of a value. */
const trimHeaderValue = (v: string) => v.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');

/**
 * Node's raw header lines read as a Fetch `Headers` built from them reads them: names without case,
 * a header given twice as its values joined by ", ". PEER_HEADER is the socket's peer, never what the
 * client sent (as scripts/serve.mjs sets it for Next; request-info.ts).
 */
export class LaneHeaders implements HeaderReader {
  constructor(
    private readonly raw: readonly string[],
    private readonly peer: string,
  ) {}

  get(name: string): string | null {
    const wanted = name.toLowerCase();
    if (wanted === PEER_HEADER) return this.peer;
    let value: string | null = null;
    for (let i = 0; i < this.raw.length; i += 2) {
      const n = this.raw[i];
      if (n.length !== wanted.length || n.toLowerCase() !== wanted) continue;
      const v = trimHeaderValue(this.raw[i + 1]);
      value = value === null ? v : `${value}, ${v}`;
    }
    return value;
  }
}

/**
 * The request a lane route reads (RouteRequest): Node's request as it is, without an undici Request
 * and its Headers, URL and AbortSignal built for every call. The body is handed to the route as the
 * bytes the lane read (RouteContext.body), so `body` is null; `signal` aborts when the client goes
 * away before the answer is written.
 */
class LaneRequest implements RouteRequest {
  readonly body = null;
  readonly bodyUsed = false;
  readonly method: string;
  readonly url: string;
  readonly headers: LaneHeaders;
  private controller?: AbortController;

  constructor(
    req: IncomingMessage,
    private readonly res: ServerResponse,
    target: string,
  ) {
    this.method = req.method ?? 'GET';
    // the lane takes only origin-form targets under /api/ (matchLane)
    this.url = `http://localhost${target}`;
    this.headers = new LaneHeaders(req.rawHeaders, req.socket.remoteAddress ?? '');
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      const controller = (this.controller = new AbortController());
      this.res.once('close', () => {
        if (!this.res.writableFinished) controller.abort();
      });
    }
    return this.controller.signal;
  }
}

async function serveLane(handler: RouteHandler, params: Record<string, string>, req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
  // The declared length bounds what Node's parser lets through, so the whole body is read here.
  const chunks: Buffer[] = [];
  let complete = false;
  await new Promise<void>((resolve) => {
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => {
      complete = true;
      resolve();
    });
    req.once('close', () => resolve());
    req.once('error', () => resolve());
  });
  if (!complete) return; // the client went away mid-body: nothing was stored, nobody to answer
  let response: Answer | Response;
  try {
    const request = new LaneRequest(req, res, url);
    // the body goes to the route as bytes (read in full above), not as a stream it would read back
    const body = request.method === 'GET' ? undefined : Buffer.concat(chunks);
    const context = { params: Promise.resolve(params), body };
    if (!handler.answer) throw new Error('a lane route is made by route(), which answers without a Response');
    // the route's JSON answer as it is: no Response and body stream to build and read back
    response = await handler.answer(request, context);
  } catch (e) {
    // the route wrapper answers every error itself; this is a route not made by route(), or worse
    log.error({ err: e }, 'node lane could not serve a request');
    const mapped = errorToAnswer(e);
    sendAnswer(res, answer(mapped.status, mapped.body));
    return;
  }
  if (response instanceof Answer) {
    sendAnswer(res, response);
    return;
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => (headers[key] = value));
  send(res, response.status, headers, Buffer.from(await response.arrayBuffer()));
}

/** One route the lane serves: a method and an OpenAPI-style path (`/api/watchdog/jobs/{job_id}/complete`). */
export interface LaneRoute {
  method: string;
  path: string;
  handle: RouteHandler;
}

interface CompiledLane {
  segments: (string | { param: string })[];
  handle: RouteHandler;
}

/** method → routes by segment count, each segment literal or `{param}`. */
function compileLanes(lanes: LaneRoute[]): Map<string, CompiledLane[]> {
  const table = new Map<string, CompiledLane[]>();
  for (const r of lanes) {
    const segments = r.path.split('/').map((s) => (/^\{\w+\}$/.test(s) ? { param: s.slice(1, -1) } : s));
    const key = `${r.method} ${segments.length}`;
    table.set(key, [...(table.get(key) ?? []), { segments, handle: r.handle }]);
  }
  // literal routes first, so /helper-events/batch is never taken for a parameter
  for (const list of table.values()) list.sort((a, b) => b.segments.filter((s) => typeof s === 'string').length - a.segments.filter((s) => typeof s === 'string').length);
  return table;
}

/** The route a method and path name, with its path parameters decoded (as Next hands them); null when none. */
function matchLane(table: Map<string, CompiledLane[]>, method: string, pathname: string): { handle: RouteHandler; params: Record<string, string> } | null {
  const parts = pathname.split('/');
  const candidates = table.get(`${method} ${parts.length}`);
  if (!candidates) return null;
  next: for (const c of candidates) {
    const params: Record<string, string> = {};
    for (let i = 0; i < parts.length; i++) {
      const seg = c.segments[i];
      if (typeof seg === 'string') {
        if (seg !== parts[i]) continue next;
      } else {
        if (!parts[i]) continue next;
        params[seg.param] = decodeURIComponent(parts[i]);
      }
    }
    return { handle: c.handle, params };
  }
  return null;
}

/** The lane over the route table's `lane` routes. */
export function createNodeLane(lanes: LaneRoute[]): NodeLane {
  const table = compileLanes(lanes);
  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q < 0 ? url : url.slice(0, q);
    if (url.length > MAX_URL_BYTES) {
      refuseTarget(
        res,
        pathname,
        { message: `the request path and query are longer than ${MAX_URL_BYTES} bytes`, detail: { path: 'url', message: `at most ${MAX_URL_BYTES} bytes` } },
        { status: 414, text: `URI too long: at most ${MAX_URL_BYTES} bytes` },
      );
      return true;
    }
    if (!isDecodablePath(pathname)) {
      refuseTarget(
        res,
        pathname,
        { message: 'the request path is not valid percent-encoded UTF-8', detail: { path: 'path', message: 'malformed percent-encoding' } },
        { status: 400, text: 'Bad request: the path is not valid percent-encoded UTF-8' },
      );
      return true;
    }
    const canonical = canonicalApiPath(pathname);
    if (canonical !== null) {
      // 308 keeps the method and the body, as Next's own redirect does
      send(res, 308, { location: canonical + url.slice(pathname.length), 'cache-control': 'no-store' }, '');
      return true;
    }
    if (!takesLane(req)) return false;
    const match = matchLane(table, req.method ?? '', pathname);
    if (!match) return false;
    serveLane(match.handle, match.params, req, res, url).catch((e) => {
      log.error({ err: e }, 'node lane failed');
      if (!res.headersSent) res.destroy();
    });
    return true;
  };
}

/** Offers the lane to the process's HTTP server: scripts/serve.mjs asks the runtime's `nodeLane` first. */
export function registerNodeLane(runtime: Runtime, lanes: LaneRoute[]): void {
  runtime.nodeLane = createNodeLane(lanes);
}
