import { z } from 'zod';
import { DATABASE_KINDS, PHASES, ROLES, SEVERITIES, SIGNALS, USER_ROLES } from './enums';

/** Job and worker ids come from the queue: short, printable, safe in a URL path segment. */
export const Identifier = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'letters, digits and . _ : @ - only');
export type Identifier = z.infer<typeof Identifier>;

export const Uuid = z.uuid();

/** PostgreSQL stores no U+0000 in text or jsonb: refuse it in the schema rather than fail in the database. */
export const withoutNul = (s: string) => !s.includes('\u0000');
export const withoutNulMessage = 'must not contain the NUL character (U+0000)';

/** An ISO-8601 time with offset, as a Date; year 0000 parses in JavaScript but PostgreSQL has no year 0. */
export const IsoDate = z.iso
  .datetime({ offset: true })
  .transform((s) => new Date(s))
  .refine((d) => d.getUTCFullYear() >= 1, 'the year must be 0001 or later');

export const Phase = z.enum(PHASES);
export type Phase = z.infer<typeof Phase>;

export const RoleName = z.enum(ROLES);
export type RoleName = z.infer<typeof RoleName>;
export const UserRoleName = z.enum(USER_ROLES);
export type UserRoleName = z.infer<typeof UserRoleName>;

export const Signal = z.enum(SIGNALS);
export type Signal = z.infer<typeof Signal>;
export const signals = SIGNALS;
export const Severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof Severity>;
export const DatabaseKind = z.enum(DATABASE_KINDS);

export const OutputHash = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be "sha256:" + 64 lowercase hex');

export const JobIdParams = z.object({ job_id: Identifier });
export const IdParams = z.object({ id: Uuid });

export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
