import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { renderPrometheusMetrics } from '@/lib/watchdog/metrics';

export const GET = route({ name: 'GET /metrics', permission: 'prometheus.read' }, async ({ ctx }) => {
  const { contentType, body } = await renderPrometheusMetrics(ctx.db);
  return new Response(body, { status: 200, headers: { 'content-type': contentType, 'cache-control': 'no-store' } });
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['GET']);
