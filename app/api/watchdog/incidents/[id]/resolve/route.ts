import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { IdParams } from '@/lib/schemas/common';
import { ResolveInput } from '@/lib/schemas/oncall';
import { resolveIncident } from '@/lib/watchdog/incidents';

export const POST = route({ name: 'POST /incidents/:id/resolve', permission: 'incidents.handle', params: IdParams, body: ResolveInput }, async ({ ctx, params, body }) => ({
  incident: await resolveIncident(ctx, params.id, body),
}));

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['POST']);
