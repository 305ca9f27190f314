// relative: next.config.ts loads this file, and its loader resolves no path aliases
import { isDevelopment } from '../config';

/**
 * The security headers of every answer: set by next.config.ts for what Next serves and by the node
 * lane (lib/http/node-lane.ts) for what it answers itself, from this one list.
 */
export function securityHeaders(dev = isDevelopment()): { key: string; value: string }[] {
  return [
    {
      key: 'Content-Security-Policy',
      value: [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'" + (dev ? " 'unsafe-eval'" : ''),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
      ].join('; '),
    },
    { key: 'X-Frame-Options', value: 'DENY' },
    { key: 'X-Content-Type-Options', value: 'nosniff' },
    { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
    { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=()' },
  ];
}
