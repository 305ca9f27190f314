import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { WorkersQuery } from '@/lib/schemas/fleet';
import { listWorkers } from '@/lib/watchdog/fleet';

export const GET = route({ name: 'GET /workers', permission: 'workers.list', query: WorkersQuery }, async ({ ctx, query }) => ({
  workers: await listWorkers(ctx, { includeRetired: query.include === 'retired' }),
}));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['GET']);
