import type { UserRole } from '@/lib/schemas/enums';
import 'server-only';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import { readSessionPerson } from '@/lib/auth/session-person';
import type { Ctx } from '@/lib/watchdog/context';
import { getRuntimeDatabase } from '@/lib/watchdog/runtime';

export interface ConsoleUser {
  id: string;
  email: string;
  role: UserRole;
}

/**
 * The signed-in supervisor or owner, checked against the users table on every request (a
 * disabled or deleted person or a changed role takes effect at once). Anonymous visitors and
 * disabled people go to /login; a person still waiting for a role goes to /waiting.
 * Called by the console layout AND by every page: a layout alone does not guard its pages.
 */
export const requireConsoleUser = cache(async (): Promise<ConsoleUser> => {
  const person = await readSessionPerson();
  if (person.state === 'waiting') redirect('/waiting');
  if (person.state === 'refused') redirect(person.disabled ? '/login?error=AccountDisabled' : '/login');
  if (person.state !== 'active') redirect('/login');
  const { id, email, role } = person.user;
  return { id, email, role };
});

/** A domain context acting as the signed-in user, for server-rendered first paints. */
export async function consoleCtx(user: ConsoleUser): Promise<Ctx> {
  const { db } = await getRuntimeDatabase();
  return { db, actor: { role: user.role, id: user.id, label: `${user.role}:${user.email}`, via: 'session' }, now: new Date() };
}
