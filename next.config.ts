import type { NextConfig } from 'next';
import createNextIntlPlugin from 'next-intl/plugin';
import { securityHeaders } from './lib/http/security-headers';

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  serverExternalPackages: ['@electric-sql/pglite', 'pg', '@neondatabase/serverless', 'ws', 'pino', 'prom-client'],
  async headers() {
    return [{ source: '/:path*', headers: securityHeaders() }];
  },
};

// next-intl without locale routing: the language comes from the person, a cookie or Accept-Language.
export default createNextIntlPlugin('./lib/i18n/request.ts')(config);
