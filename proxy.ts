import { type NextRequest, NextResponse } from 'next/server';

/**
 * A path whose percent-encoding is broken (`/api/watchdog/jobs/%zz`, an encoded lone surrogate)
 * makes Next's router fail while it decodes the dynamic segment, and it then answers a bare
 * `500 Internal Server Error`. Such a path names nothing: answer 400 here, before routing — in the
 * API.md error shape under /api, as plain text elsewhere. Every other request passes untouched.
 */
export function proxy(request: NextRequest) {
  const raw = new URL(request.url).pathname;
  if (!raw.includes('%')) return NextResponse.next();
  try {
    for (const segment of raw.split('/')) decodeURIComponent(segment);
    return NextResponse.next();
  } catch {
    if (raw.startsWith('/api/')) {
      return NextResponse.json(
        { error: { code: 'validation_failed', message: 'the request path is not valid percent-encoded UTF-8', details: [{ path: 'path', message: 'malformed percent-encoding' }] } },
        { status: 400, headers: { 'cache-control': 'no-store' } },
      );
    }
    return new NextResponse('Bad request: the path is not valid percent-encoded UTF-8', { status: 400, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }
}

export const config = { matcher: ['/((?!_next/static|_next/image).*)'] };
