import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { JobIdParams } from '@/lib/schemas/common';
import { getJobTimeline } from '@/lib/watchdog/jobs';

export const GET = route({ name: 'GET /jobs/:job_id', permission: 'jobs.read', params: JobIdParams }, ({ ctx, params }) => getJobTimeline(ctx, params.job_id));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['GET']);
