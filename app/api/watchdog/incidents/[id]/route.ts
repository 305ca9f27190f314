import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { IdParams } from '@/lib/schemas/common';
import { getIncidentDetail } from '@/lib/watchdog/notify';

export const GET = route({ name: 'GET /incidents/:id', permission: 'incidents.read', params: IdParams }, ({ ctx, params }) => getIncidentDetail(ctx.db, params.id, ctx.now));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['GET']);
