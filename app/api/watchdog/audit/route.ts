import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { AuditQuery } from '@/lib/schemas/admin';
import { listAudit } from '@/lib/watchdog/audit';

export const GET = route({ name: 'GET /audit', permission: 'audit.read', query: AuditQuery }, ({ ctx, query }) => listAudit(ctx.db, query));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['GET']);
