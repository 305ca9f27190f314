import { z } from 'zod';
import { Identifier } from './common';
import { Incident } from './responses';

/** GET /workers: `include=retired` lists workers not seen for 7 days too. */
export const WorkersQuery = z.object({ include: z.enum(['retired']).optional() });
export const WorkerIdParams = z.object({ worker_id: Identifier });

export const WorkerStatus = z.enum(['working', 'idle', 'silent', 'retired']);

const Time = z.iso.datetime();

export const Worker = z.object({
  worker_id: z.string(),
  status: WorkerStatus,
  first_seen_at: Time,
  last_seen_at: Time,
  current_job_id: z.string().nullable(),
  lease_expires_at: Time.nullable(),
  runner_version: z.string().nullable(),
  events_24h: z.number().int(),
  failures_24h: z.number().int(),
  open_incidents: z.number().int(),
});
export const WorkerList = z.object({ workers: z.array(Worker) });

export const WorkerJob = z.object({
  job_id: z.string(),
  last_activity_at: Time,
  state: z.string().nullable(),
  holder_worker_id: z.string().nullable(),
  fencing_token: z.number().int().nullable(),
  lease_expires_at: Time.nullable(),
  open_incidents: z.number().int(),
});
export const WorkerAnswer = z.object({ worker: Worker, jobs: z.array(WorkerJob), incidents: z.array(Incident) });
