import type { NextConfig } from 'next';
import { securityHeaders } from './lib/http/security-headers';

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  serverExternalPackages: ['@electric-sql/pglite', 'pg', '@neondatabase/serverless', 'ws', 'pino', 'prom-client'],
  async headers() {
    return [{ source: '/:path*', headers: securityHeaders() }];
  },
};

export default config;
