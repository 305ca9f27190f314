import { z } from 'zod';

/**
 * A sentence the server composes, in a form the console can say in the reader's language: `key` names
 * the message (in the console's messages, e.g. `overview.detail.<key>`), `values` are its arguments.
 * The English text next to it (`detail`, `figure`, `reasons[]`…) is composed from this same key and
 * values with the English messages (lib/i18n/text-message.ts), so the two always say the same thing.
 *
 * What a value is follows from its name: `at` or `…_at` an ISO-8601 time; `rate` or `…_rate` a fraction
 * 0..1 (a percentage); `…_s` seconds (a duration); `decision` a D30 decision name; any other number a
 * count, any other string shown as it is (an id, a user, a choice for a `select`).
 */
export const TextMessage = z.object({
  key: z.string(),
  values: z.record(z.string(), z.union([z.string(), z.number()])),
});
export type TextMessage = z.infer<typeof TextMessage>;
