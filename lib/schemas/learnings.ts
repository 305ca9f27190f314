import { z } from 'zod';
import { Identifier, Signal, withoutNul, withoutNulMessage } from './common';
import { LEARNING_SOURCES } from './enums';

/** One sentence of a learning: 1..500 characters, trimmed. */
export const LearningItem = z.string().trim().min(1, 'an item must not be empty').max(500, 'an item is at most 500 characters').refine(withoutNul, withoutNulMessage);
export const LearningList = z.array(LearningItem).max(20, 'at most 20 items');

export const LearningSource = z.enum(LEARNING_SOURCES);

/** The three lists a person fills in (also accepted by the incident resolve body). */
export const LearningLists = z.object({
  learned: LearningList,
  next_worker_should_check: LearningList.default([]),
  assumptions_to_test: LearningList.default([]),
});

/** `POST /api/watchdog/learnings` */
export const LearningInput = LearningLists.extend({
  job_id: Identifier.optional(),
  incident_id: z.uuid().optional(),
  signal: Signal.optional(),
  learned: LearningList.min(1, 'at least one item in learned'),
});
export type LearningInput = z.infer<typeof LearningInput>;

/** `GET /api/watchdog/learnings` */
export const LearningQuery = z.object({
  signal: Signal.optional(),
  job_id: Identifier.optional(),
  worker_id: Identifier.optional(),
  /** the `next_cursor` of the previous page */
  cursor: z
    .string()
    .regex(/^\d+:[0-9a-f-]{36}$/, 'a next_cursor from a previous page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type LearningQuery = z.infer<typeof LearningQuery>;

export const Learning = z.object({
  id: z.uuid(),
  job_id: z.string().nullable(),
  incident_id: z.uuid().nullable(),
  worker_id: z.string().nullable(),
  signal: z.string().nullable(),
  learned: z.array(z.string()),
  next_worker_should_check: z.array(z.string()),
  assumptions_to_test: z.array(z.string()),
  source: LearningSource,
  created_by: z.string(),
  created_at: z.string(),
});
export type Learning = z.infer<typeof Learning>;

export const LearningAnswer = z.object({ learning: Learning });
export const LearningPage = z.object({ learnings: z.array(Learning), next_cursor: z.string().nullable() });
