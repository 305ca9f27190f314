import { methodNotAllowed } from '@/lib/http/methods';
import { reply, route } from '@/lib/http/route';
import { WorkerRunInput } from '@/lib/schemas/evidence';
import { upsertWorkerRun } from '@/lib/watchdog/events';

export const POST = route({ name: 'POST /worker-runs', permission: 'workerRuns.write', body: WorkerRunInput }, async ({ ctx, body }) => {
  const { status, run } = await upsertWorkerRun(ctx, body);
  return reply(status, { run });
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['POST']);
