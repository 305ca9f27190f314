import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { RulesPutInput } from '@/lib/schemas/admin';
import { getCurrentRules, updateRules } from '@/lib/watchdog/rules';

export const GET = route({ name: 'GET /rules', permission: 'rules.read' }, ({ ctx }) => getCurrentRules(ctx.db));

export const PUT = route({ name: 'PUT /rules', permission: 'rules.write', body: RulesPutInput }, ({ ctx, body }) => updateRules(ctx, body.rules, body.note));

export const { POST, PATCH, DELETE, OPTIONS } = methodNotAllowed(['GET', 'PUT']);
