import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { WorkerIdParams } from '@/lib/schemas/fleet';
import { getWorker } from '@/lib/watchdog/fleet';

export const GET = route({ name: 'GET /workers/:worker_id', permission: 'workers.read', params: WorkerIdParams }, ({ ctx, params }) => getWorker(ctx, params.worker_id));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['GET']);
