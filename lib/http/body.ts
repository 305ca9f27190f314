import { WatchdogError } from '@/lib/watchdog/errors';
import type { HeaderReader, RouteRequest } from './request-info';

export const MAX_BODY_BYTES = 1024 * 1024;
const MAX_JSON_DEPTH = 64;

const LINGER_BYTES = 16 * MAX_BODY_BYTES;
const LINGER_MS = 3000;

const tooLarge = () => new WatchdogError('payload_too_large', `request body is over 1 MiB (${MAX_BODY_BYTES} bytes)`);

/**
 * Before answering 413, read (and drop) what the client is still sending, bounded in bytes and time,
 * then cancel. Answering while the client is still writing makes the server close the connection
 * under it, and many clients then fail with EPIPE/ECONNRESET without ever reading the 413.
 */
async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  let dropped = 0;
  const timer = setTimeout(() => void reader.cancel().catch(() => {}), LINGER_MS);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      dropped += value.byteLength;
      if (dropped > LINGER_BYTES) break;
    }
  } catch {
    /* the client went away, or the time ran out */
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
}

/**
 * A body must be `Content-Type: application/json` (parameters such as `charset` allowed); anything
 * else, a missing header included, is refused 415 before the body is read.
 */
export function assertJsonContentType(headers: HeaderReader): void {
  const type = (headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    throw new WatchdogError('unsupported_media_type', type ? `Content-Type ${type.slice(0, 100)} is not supported; send application/json` : 'Content-Type is missing; send application/json');
  }
}

/** Refuses a body whose declared length is over the cap, before any of it is parsed. */
export async function assertDeclaredLength(req: RouteRequest): Promise<void> {
  const raw = req.headers.get('content-length');
  if (raw !== null && /^\d+$/.test(raw.trim()) && Number(raw) > MAX_BODY_BYTES) {
    // a body we could drop quickly is dropped first; a bigger one is refused at once
    if (req.body && !req.bodyUsed && Number(raw) <= LINGER_BYTES) await discardRest(req.body.getReader());
    throw tooLarge();
  }
}

/**
 * Reads the body as UTF-8 with a hard 1 MiB cap, counted on the bytes that actually arrive, so a
 * chunked body or one whose Content-Length lies is refused as soon as it passes the cap.
 */
export async function readBody(req: RouteRequest): Promise<string> {
  await assertDeclaredLength(req);
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await discardRest(reader);
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof WatchdogError) throw e;
    throw new WatchdogError('invalid_json', 'request body could not be read to its end');
  }
  return decodeBody(Buffer.concat(chunks));
}

/** A whole body's bytes as text: UTF-8 only (400 invalid_json otherwise). */
export function decodeBody(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new WatchdogError('invalid_json', 'request body is not valid UTF-8');
  }
}

/** Depth and NUL check in one walk: PostgreSQL can store neither a U+0000 in text nor in jsonb. */
function inspectJson(value: unknown, allowNulInText: boolean): { path: string; message: string } | null {
  const stack: [unknown, number, string][] = [[value, 1, '']];
  while (stack.length) {
    const [v, depth, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (!allowNulInText && v.includes('\u0000')) return { path, message: 'text must not contain the NUL character (U+0000)' };
    } else if (v && typeof v === 'object') {
      if (depth > MAX_JSON_DEPTH) return { path, message: `nested deeper than ${MAX_JSON_DEPTH} levels` };
      for (const [k, child] of Object.entries(v as object)) {
        const childPath = path ? `${path}.${k}` : k;
        if (!allowNulInText && k.includes('\u0000')) return { path: childPath.replace(/\u0000/g, '\\u0000'), message: 'keys must not contain the NUL character (U+0000)' };
        stack.push([child, depth + 1, childPath]);
      }
    }
  }
  return null;
}

export interface ParseJsonOptions {
  /** leave U+0000 in strings and keys to the schema (batch routes judge each element on its own) */
  allowNul?: boolean;
}

/** Parses a JSON body: `invalid_json` when it is empty or not JSON, `validation_failed` when too deep or holding U+0000. */
export function parseJson(text: string, opts: ParseJsonOptions = {}): unknown {
  if (!text.trim()) throw new WatchdogError('invalid_json', 'request body is empty; a JSON body is required');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new WatchdogError('invalid_json', 'request body is not valid JSON');
  }
  const problem = inspectJson(value, opts.allowNul ?? false);
  if (problem) {
    throw new WatchdogError('validation_failed', 'request body does not match the schema', [{ path: problem.path, message: problem.message, code: 'custom' }]);
  }
  return value;
}
