import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { loadRunnerFile } from '@/lib/http/runner-file';

/** The runner for worker machines: one file (Node ≥ 20 alone), its version and the sha256 of the body. */
export const GET = route({ name: 'GET /runner', permission: 'runner.download' }, async () => {
  const runner = await loadRunnerFile();
  return new Response(new Uint8Array(runner.body), {
    status: 200,
    headers: {
      'content-type': 'text/javascript; charset=utf-8',
      'content-disposition': 'attachment; filename="watchdog-runner.mjs"',
      'cache-control': 'no-store',
      'x-runner-version': runner.version,
      'x-checksum-sha256': runner.sha256,
    },
  });
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['GET']);
