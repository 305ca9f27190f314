import 'server-only';
import { getServerSession } from 'next-auth';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import { authOptions } from '@/lib/auth/next-auth';
import type { Ctx } from '@/lib/watchdog/context';
import { getRuntimeDatabase } from '@/lib/watchdog/runtime';
import { findUserById } from '@/lib/watchdog/access';
import type { UserRole } from '@/lib/schemas/enums';

export interface ConsoleUser {
  id: string;
  email: string;
  role: UserRole;
}

/**
 * The signed-in supervisor or owner, checked against the users table on every request (a
 * deleted user or a changed role takes effect at once). Anonymous visitors go to /login.
 * Called by the console layout AND by every page: a layout alone does not guard its pages.
 */
export const requireConsoleUser = cache(async (): Promise<ConsoleUser> => {
  const session = await getServerSession(authOptions);
  const uid = (session?.user as { id?: string } | undefined)?.id;
  if (!uid) redirect('/login');
  const { db } = await getRuntimeDatabase();
  const user = await findUserById(db, uid);
  if (!user || (user.role !== 'supervisor' && user.role !== 'owner')) redirect('/login');
  return { id: user.id, email: user.email, role: user.role };
});

/** A domain context acting as the signed-in user, for server-rendered first paints. */
export async function consoleCtx(user: ConsoleUser): Promise<Ctx> {
  const { db } = await getRuntimeDatabase();
  return { db, actor: { role: user.role, id: user.id, label: `${user.role}:${user.email}`, via: 'session' }, now: new Date() };
}
