import { z } from 'zod';
import { withoutNul, withoutNulMessage } from './common';
import { LOCALES } from './enums';

/** The roles a person can hold in the console (tokens also know worker and system). */
export const UserRole = z.enum(['supervisor', 'owner']);
export type UserRole = z.infer<typeof UserRole>;

/** The shortest initial password an owner (or the CLI) may set. */
export const MIN_PASSWORD_LENGTH = 12;

export const UserCreateInput = z.object({
  email: z.email().max(200),
  role: UserRole,
  password: z.string().min(MIN_PASSWORD_LENGTH, `at least ${MIN_PASSWORD_LENGTH} characters`).max(200).refine(withoutNul, withoutNulMessage),
});
export type UserCreateInput = z.infer<typeof UserCreateInput>;

export const UserUpdateInput = z
  .strictObject({ role: UserRole.optional(), disabled: z.boolean().optional() })
  .refine((v) => v.role !== undefined || v.disabled !== undefined, 'give role, disabled or both');
export type UserUpdateInput = z.infer<typeof UserUpdateInput>;

/** A person as the API shows it. `role` null: signed in through single sign-on, waiting for an owner. */
export const User = z.object({
  id: z.uuid(),
  email: z.string(),
  role: UserRole.nullable(),
  disabled: z.boolean(),
  created_at: z.iso.datetime(),
  last_sign_in_at: z.iso.datetime().nullable(),
  sign_in: z.enum(['password', 'sso', 'password_and_sso']),
});
export type User = z.infer<typeof User>;

export const UserList = z.object({ users: z.array(User) });
export const UserAnswer = z.object({ user: User });

/** The signed-in person's own settings: the console language (null: from the browser's Accept-Language). */
export const MeUpdateInput = z.strictObject({ locale: z.enum(LOCALES).nullable() });
export type MeUpdateInput = z.infer<typeof MeUpdateInput>;

export const MeAnswer = z.object({
  user: z.object({ id: z.uuid(), email: z.string(), role: UserRole.nullable(), locale: z.enum(LOCALES).nullable() }),
});
export type MeAnswer = z.infer<typeof MeAnswer>;
