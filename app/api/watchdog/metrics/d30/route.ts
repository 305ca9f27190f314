import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { D30Query } from '@/lib/schemas/admin';
import { computeD30Metrics } from '@/lib/watchdog/metrics';

export const GET = route({ name: 'GET /metrics/d30', permission: 'metrics.read', query: D30Query }, ({ ctx, query }) =>
  computeD30Metrics(ctx.db, { from: query.from, to: query.to, now: ctx.now }),
);

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['GET']);
