import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { verifyAuditChain } from '@/lib/watchdog/audit';

export const GET = route({ name: 'GET /audit/verify', permission: 'audit.read' }, ({ ctx }) => verifyAuditChain(ctx.db));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['GET']);
