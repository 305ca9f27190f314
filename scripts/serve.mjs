// The console's production HTTP server: Next's request handler behind a plain Node server, so the
// console can answer a few things before Next's per-request pipeline (lib/http/node-lane.ts: the
// ingest hot path, malformed paths). Run on a build (`next build`); `npm start` (scripts/start.mjs)
// builds and starts it. PORT (default 3000) and WATCHDOG_HOST (default: every interface) choose where it
// listens. SIGTERM/SIGINT: stop accepting, let in-flight requests finish, exit (the sweeper is
// stopped by lib/server-runtime.ts on the same signals).
import http from 'node:http';
import path from 'node:path';
import next from 'next';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.env.NODE_ENV = 'production';
const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.WATCHDOG_HOST || undefined;

const app = next({ dev: false, dir: root, port, hostname: hostname ?? 'localhost' });
const handle = app.getRequestHandler();
await app.prepare();
// the runtime made by instrumentation (lib/server-runtime.ts → lib/watchdog/runtime.ts), under its one handle
const runtimeKey = Symbol.for('worker-watchdog.runtime');

const server = http.createServer((req, res) => {
  // the direct peer, for lib/http/request-info.ts; a client's own value is overwritten
  req.headers['x-watchdog-peer'] = req.socket.remoteAddress ?? '';
  const lane = globalThis[runtimeKey]?.nodeLane;
  if (lane && lane(req, res)) return;
  handle(req, res).catch((e) => {
    console.error(e);
    if (!res.headersSent) {
      res.statusCode = 500;
      res.end('Internal Server Error');
    }
  });
});
server.keepAliveTimeout = 65_000; // longer than the usual load balancer idle timeout (60 s)

let closing = false;
const shutdown = (signal) => {
  if (closing) return;
  closing = true;
  // close() stops accepting and closes idle keep-alive connections; a busy one becomes idle after
  // its answer and is closed on the next tick. The grace deadline is lib/server-runtime.ts's.
  server.close(() => {
    clearInterval(reaper);
    Promise.resolve(app.close?.())
      .catch(() => {})
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
  const reaper = setInterval(() => server.closeIdleConnections(), 50);
  server.closeIdleConnections();
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

server.listen(port, hostname, () => {
  console.log(`▲ Worker Watchdog console listening on http://${hostname ?? 'localhost'}:${port}`);
});
