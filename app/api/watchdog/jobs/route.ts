import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { JobListQuery } from '@/lib/schemas/evidence';
import { listJobs } from '@/lib/watchdog/jobs';

export const GET = route({ name: 'GET /jobs', permission: 'jobs.list', query: JobListQuery }, async ({ ctx, query }) => ({ jobs: await listJobs(ctx, query) }));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['GET']);
