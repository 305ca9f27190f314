import { errorBody } from '@/lib/watchdog/errors';

export { errorBody };

/**
 * A JSON answer before it is a `Response`: what the route wrapper's steps build. Next gets it as a
 * Response (`toResponse`); the node lane writes it to the socket as it is, without the undici
 * Response and body stream Next needs (~30 µs of CPU per request).
 */
export class Answer {
  constructor(
    readonly status: number,
    /** the JSON text; null for 204 */
    readonly text: string | null,
    readonly headers: Record<string, string>,
  ) {}
}

/** A JSON answer: `body` as JSON text (none for 204), no-store. */
export function answer(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  return new Answer(status, status === 204 ? null : JSON.stringify(body), { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
}

/** An answer as the Response Next sends (a Response — a stream, a redirect — as it is). */
export function toResponse(a: Answer | Response): Response {
  return a instanceof Answer ? new Response(a.text, { status: a.status, headers: a.headers }) : a;
}

/** A JSON Response, for what answers Next directly (405, 404, the live stream's refusals). */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return toResponse(answer(status, body, headers));
}
