import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { JobIdParams } from '@/lib/schemas/common';
import { LeaseInput } from '@/lib/schemas/evidence';
import { getLease, heartbeatLease } from '@/lib/watchdog/leases';

export const PATCH = route({ name: 'PATCH /job-leases/:job_id', permission: 'leases.write', params: JobIdParams, body: LeaseInput }, ({ ctx, params, body }) =>
  heartbeatLease(ctx, params.job_id, body),
);

export const GET = route({ name: 'GET /job-leases/:job_id', permission: 'leases.read', params: JobIdParams }, ({ ctx, params }) => getLease(ctx, params.job_id));

export const { POST, PUT, DELETE, OPTIONS } = methodNotAllowed(['GET', 'PATCH']);
