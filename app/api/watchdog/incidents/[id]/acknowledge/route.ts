import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { IdParams } from '@/lib/schemas/common';
import { AcknowledgeInput } from '@/lib/schemas/oncall';
import { acknowledgeIncident } from '@/lib/watchdog/incidents';

export const POST = route({ name: 'POST /incidents/:id/acknowledge', permission: 'incidents.handle', params: IdParams, body: AcknowledgeInput }, async ({ ctx, params, body }) => ({
  incident: await acknowledgeIncident(ctx, params.id, body),
}));

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['POST']);
