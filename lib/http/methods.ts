import { errorBody, json } from './respond';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Handler = (req: Request) => Response;

/**
 * Handlers for the methods a route file does not implement. Next answers those with an empty 405;
 * the API promises its error shape on every non-2xx answer, so each route file ends with e.g.
 *
 *   export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['GET']);
 *
 * listing the methods it does implement. OPTIONS answers 204 with the true `Allow` header (Next's
 * automatic one would count these 405 handlers as implemented). HEAD follows GET as usual.
 */
export function methodNotAllowed(implemented: readonly HttpMethod[]): Record<HttpMethod | 'OPTIONS', Handler> {
  const allowed = [...implemented, ...(implemented.includes('GET') ? ['HEAD'] : []), 'OPTIONS'].sort();
  const allow = allowed.join(', ');
  const refuse: Handler = (req) => json(405, errorBody('method_not_allowed', `${req.method} is not allowed on ${new URL(req.url).pathname.slice(0, 300)}; allowed: ${allow}`, { allowed }), { allow });
  return {
    GET: refuse,
    POST: refuse,
    PUT: refuse,
    PATCH: refuse,
    DELETE: refuse,
    OPTIONS: () => new Response(null, { status: 204, headers: { allow } }),
  };
}

/** Every method of an unknown /api path: 404 in the API.md shape (Next would render its HTML page). */
export function unknownApiPath(): Record<HttpMethod | 'OPTIONS', Handler> {
  const notFound: Handler = (req) => json(404, errorBody('not_found', `no such endpoint: ${req.method} ${new URL(req.url).pathname.slice(0, 300)}`));
  return { GET: notFound, POST: notFound, PUT: notFound, PATCH: notFound, DELETE: notFound, OPTIONS: notFound };
}
