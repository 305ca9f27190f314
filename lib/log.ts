import pino from 'pino';
import { config } from '@/lib/config';

/** One logger; secrets are redacted wherever they appear in a logged object. */
export const log = pino({
  level: config().logLevel,
  base: { service: 'worker-watchdog' },
  redact: {
    paths: [
      'token',
      'password',
      'secret',
      '*.token',
      '*.password',
      '*.secret',
      'authorization',
      '*.authorization',
      'headers.authorization',
      'headers.cookie',
      'req.headers.authorization',
      'req.headers.cookie',
    ],
    censor: '[redacted]',
  },
});
