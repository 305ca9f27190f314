import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { IncidentQuery } from '@/lib/schemas/evidence';
import { listIncidents } from '@/lib/watchdog/incidents';

export const GET = route({ name: 'GET /incidents', permission: 'incidents.read', query: IncidentQuery }, async ({ ctx, query }) => ({ incidents: await listIncidents(ctx.db, query) }));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['GET']);
