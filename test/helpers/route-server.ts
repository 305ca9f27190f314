import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { routeTable } from '@/lib/http/route-table';

/**
 * The route table served over real HTTP in this process, on the runtime in force (the console's own server
 * does the same through Next): real requests, streamed answers and client aborts, without a Next build.
 * Paths with parameters are not matched (only exact paths).
 */
export async function serveRouteTable(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const row = routeTable.find((r) => r.method === req.method && r.path === url.pathname);
    if (!row) return void res.writeHead(404).end();
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    headers.set('x-watchdog-peer', '127.0.0.1');
    const answer = await row.handle(new Request(url, { method: req.method, headers, signal: abort.signal }), {});
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    if (!answer.body) return void res.end();
    try {
      for await (const chunk of answer.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
    } catch {
      /* the client went away */
    }
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
