import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The simulated workers' artifact store: `/a/<job>/...` answers 200, anything else 404. The
 * console requests these URLs itself, so it must run with WATCHDOG_ALLOW_PRIVATE_ARTIFACT_HOSTS=1
 * (or be given a --artifact-host it may reach).
 */
export async function startArtifactServer(host = '127.0.0.1', advertise?: string): Promise<{ base: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    const ok = /^\/a\/[^/]+\/[^/]+$/.test(req.url ?? '');
    res.writeHead(ok ? 200 : 404, { 'content-type': 'text/plain', connection: 'close' });
    res.end(ok ? `artifact ${req.url}\n` : 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://${advertise ?? host}:${port}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
