import { randomUUID } from 'node:crypto';

/**
 * The client address: the rightmost `x-forwarded-for` entry, i.e. the address the nearest hop saw
 * (Next sets the header to the socket address when no proxy did). Behind a proxy that appends to
 * the header this cannot be spoofed by the client; exposed directly it can, which is why every
 * per-address bound also has a process-wide one.
 */
export function clientAddress(headers: Headers | Record<string, unknown> | undefined): string {
  const get = (name: string): string | null => {
    if (!headers) return null;
    if (headers instanceof Headers) return headers.get(name);
    const v = headers[name];
    return typeof v === 'string' ? v : Array.isArray(v) ? v.join(',') : null;
  };
  const last = get('x-forwarded-for')?.split(',').map((s) => s.trim()).filter(Boolean).pop();
  const address = (last ?? get('x-real-ip') ?? 'unknown').replace(/^::ffff:/, '');
  return address.slice(0, 64);
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** The caller's `x-request-id` when it is a sane token, else a fresh uuid; echoed on the answer and kept in the audit. */
export function requestId(headers: Headers): string {
  const given = headers.get('x-request-id');
  return given && REQUEST_ID.test(given) ? given : randomUUID();
}
