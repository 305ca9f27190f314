import { methodNotAllowed } from '@/lib/http/methods';
import { reply, route } from '@/lib/http/route';
import { RepairActionInput, RepairActionQuery } from '@/lib/schemas/evidence';
import { listRepairActions, recordRepairAction } from '@/lib/watchdog/repairs';

export const POST = route({ name: 'POST /repair-actions', permission: 'repairActions.write', body: RepairActionInput }, async ({ ctx, body }) => {
  const { status, action } = await recordRepairAction(ctx, body);
  return reply(status, { action });
});

export const GET = route({ name: 'GET /repair-actions', permission: 'repairActions.read', query: RepairActionQuery }, async ({ ctx, query }) => ({
  actions: await listRepairActions(ctx.db, query),
}));

export const { PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['GET', 'POST']);
