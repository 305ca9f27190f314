import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_BODY_BYTES } from '@/lib/http/body';
import { PEER_HEADER } from '@/lib/http/request-info';
import { errorBody } from '@/lib/http/respond';
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
 *    under /api.
 * 2. The routes the route table marks `lane` (the ingest routes — the fleet's hot path, one request per
 *    helper command) are served by the very same handlers (lib/http/route-table.ts: auth, rate limit,
 *    permission, JSON only, 1 MiB cap, zod, classification, durable write, errorToAnswer) without Next's per-request pipeline
 *    (routing, config headers, web-stream adaptation, compression), which cost ~2 ms of CPU per
 *    request. Only plain bearer-token requests with a declared body length within the cap take the
 *    lane; a chunked body, a declared length over the cap, a browser session or anything unusual
 *    goes to Next, whose route serves the same handler.
 */
export type NodeLane = (req: IncomingMessage, res: ServerResponse) => boolean;

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
  // as scripts/serve.mjs does for Next: the direct peer, never what the client claims (request-info.ts)
  headers.set(PEER_HEADER, req.socket.remoteAddress ?? '');
  return headers;
}

async function serveLane(handler: RouteHandler, req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
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
    const answer = errorToAnswer(e);
    send(res, answer.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, JSON.stringify(answer.body));
    return;
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => (headers[key] = value));
  send(res, response.status, headers, Buffer.from(await response.arrayBuffer()));
}

/** The lane over a dispatch table (path → handler; the route table's `lane` routes). */
export function createNodeLane(lanes: Record<string, RouteHandler>): NodeLane {
  return (req, res) => {
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
}

/** Offers the lane to the process's HTTP server: scripts/serve.mjs asks the runtime's `nodeLane` first. */
export function registerNodeLane(runtime: Runtime, lanes: Record<string, RouteHandler>): void {
  runtime.nodeLane = createNodeLane(lanes);
}
