import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { IncidentListQuery } from '@/lib/schemas/oncall';
import { listIncidents } from '@/lib/watchdog/incidents';
import { rememberConsoleOrigin } from '@/lib/watchdog/notify';

export const GET = route({ name: 'GET /incidents', permission: 'incidents.read', query: IncidentListQuery }, async ({ ctx, query, req }) => {
  rememberConsoleOrigin(new URL(req.url).origin);
  return listIncidents(ctx.db, query);
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['GET']);
