import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { listRuleVersions } from '@/lib/watchdog/rules';

export const GET = route({ name: 'GET /rules/versions', permission: 'rules.read' }, async ({ ctx }) => ({ versions: await listRuleVersions(ctx.db) }));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['GET']);
