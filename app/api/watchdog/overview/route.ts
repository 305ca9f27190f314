import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { getOverview } from '@/lib/watchdog/metrics';

export const GET = route({ name: 'GET /overview', permission: 'overview.read' }, ({ ctx }) => getOverview(ctx));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['GET']);
