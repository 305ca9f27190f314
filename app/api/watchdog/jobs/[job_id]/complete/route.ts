import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { JobIdParams } from '@/lib/schemas/common';
import { CompleteInput } from '@/lib/schemas/evidence';
import { completeJob } from '@/lib/watchdog/artifacts';

export const POST = route({ name: 'POST /jobs/:job_id/complete', permission: 'jobs.complete', params: JobIdParams, body: CompleteInput }, ({ ctx, params, body }) =>
  completeJob(ctx, params.job_id, body),
);

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['POST']);
