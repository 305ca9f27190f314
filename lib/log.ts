import pino from 'pino';

/** One logger; secrets are redacted wherever they appear in a logged object. */
export const log = pino({
  level: process.env.WATCHDOG_LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
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
