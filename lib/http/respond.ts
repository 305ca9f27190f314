import { errorBody, WatchdogError } from '@/lib/watchdog/errors';

export { errorBody };

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

export function errorResponse(e: WatchdogError, headers?: Record<string, string>): Response {
  return json(e.status, errorBody(e.code, e.message, e.details), headers);
}
