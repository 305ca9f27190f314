import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { IdParams } from '@/lib/schemas/common';
import { DecisionInput } from '@/lib/schemas/evidence';
import { decideRepairAction } from '@/lib/watchdog/repairs';

export const POST = route({ name: 'POST /repair-actions/:id/decision', permission: 'repairActions.decide', params: IdParams, body: DecisionInput }, ({ ctx, params, body }) =>
  decideRepairAction(ctx, params.id, body),
);

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['POST']);
