import type { IncomingMessage, ServerResponse } from 'node:http';
import { log } from '@/lib/log';
import { MAX_BODY_BYTES } from './body';
import { postHelperEvent, postHelperEventBatch } from './ingest-routes';
import { errorBody } from './respond';
import { securityHeaders } from './security-headers';

/**
 * The node lane: what the console's own HTTP server (scripts/serve.mjs) answers before a request
 * reaches Next's request handler.
 *
 * 1. A path with broken percent-encoding (`/api/watchdog/jobs/%zz`) names nothing; Next's router
 *    would fail decoding it and answer a bare 500. It is answered 400 here, in the API.md shape
 *    under /api.
 * 2. The ingest routes — the fleet's hot path, one request per helper command — are served by the
 *    very same route handlers (lib/http/ingest-routes.ts: auth, rate limit, permission, 1 MiB cap,
 *    JSON, zod, classification, durable write, one error map) without Next's per-request pipeline
 *    (routing, config headers, web-stream adaptation, compression), which cost ~2 ms of CPU per
 *    request. Only plain bearer-token requests with a declared body length within the cap take the
 *    lane; a chunked body, a declared length over the cap, a browser session or anything unusual
 *    goes to Next, whose route serves the same handler.
 */
export type NodeLane = (req: IncomingMessage, res: ServerResponse) => boolean;

type Handler = (req: Request, context: { params?: Promise<Record<string, string | string[]>> }) => Promise<Response>;

const lanes: Record<string, Handler> = {
  '/api/watchdog/helper-events': postHelperEvent,
  '/api/watchdog/helper-events/batch': postHelperEventBatch,
};

const SECURITY_HEADERS: Record<string, string> = Object.fromEntries(securityHeaders(false).map((h) => [h.key.toLowerCase(), h.value]));

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

function refuseMalformedPath(res: ServerResponse, pathname: string) {
  if (pathname.startsWith('/api/')) {
    const body = errorBody('validation_failed', 'the request path is not valid percent-encoded UTF-8', [{ path: 'path', message: 'malformed percent-encoding' }]);
    send(res, 400, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, JSON.stringify(body));
  } else {
    send(res, 400, { 'content-type': 'text/plain; charset=utf-8' }, 'Bad request: the path is not valid percent-encoded UTF-8');
  }
}

/** A bearer-token POST with a declared body within the cap and nothing unusual about it. */
function takesLane(req: IncomingMessage): boolean {
  if (req.method !== 'POST' || req.headers['transfer-encoding'] !== undefined) return false;
  if (typeof req.headers.authorization !== 'string' || req.headers.cookie !== undefined) return false;
  const length = req.headers['content-length'];
  return typeof length === 'string' && /^\d{1,7}$/.test(length) && Number(length) <= MAX_BODY_BYTES;
}

function webHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
  // as Next does: the socket address when no proxy named the client
  if (!headers.has('x-forwarded-for') && req.socket.remoteAddress) headers.set('x-forwarded-for', req.socket.remoteAddress);
  return headers;
}

async function serveLane(handler: Handler, req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
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
  let response: Response;
  try {
    const request = new Request(new URL(url, 'http://localhost'), { method: 'POST', headers: webHeaders(req), body: Buffer.concat(chunks) });
    response = await handler(request, {});
  } catch (e) {
    // the route wrapper answers every error itself; this is a header Undici refuses, or worse
    log.error({ err: e }, 'node lane could not serve a request');
    send(res, 500, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, JSON.stringify(errorBody('internal_error', 'internal error')));
    return;
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => (headers[key] = value));
  send(res, response.status, headers, Buffer.from(await response.arrayBuffer()));
}

export const serveNodeLane: NodeLane = (req, res) => {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const pathname = q < 0 ? url : url.slice(0, q);
  if (!isDecodablePath(pathname)) {
    refuseMalformedPath(res, pathname);
    return true;
  }
  const handler = lanes[pathname];
  if (!handler || !takesLane(req)) return false;
  serveLane(handler, req, res, url).catch((e) => {
    log.error({ err: e }, 'node lane failed');
    if (!res.headersSent) res.destroy();
  });
  return true;
};

const key = Symbol.for('worker-watchdog.node-lane');
type G = typeof globalThis & { [key]?: NodeLane };

/** Offers the lane to the process's HTTP server (scripts/serve.mjs picks it up after Next is prepared). */
export function registerNodeLane(): void {
  (globalThis as G)[key] = serveNodeLane;
}
