import { errorBody } from '@/lib/watchdog/errors';

export { errorBody };

/** The text of each answer `json` built, so the node lane writes it without reading the Response's stream back. */
const jsonTexts = new WeakMap<Response, string>();

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const text = status === 204 ? null : JSON.stringify(body);
  const res = new Response(text, {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
  if (text !== null) jsonTexts.set(res, text);
  return res;
}

/** The body text of an answer built by `json` (undefined for any other Response). */
export function jsonText(res: Response): string | undefined {
  return jsonTexts.get(res);
}
