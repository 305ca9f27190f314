import 'server-only';
import { getServerSession } from 'next-auth';
import { cache } from 'react';
import { getRuntimeDatabase } from '@/lib/watchdog/runtime';
import { findUserById, type SessionUser } from '@/lib/watchdog/access';
import { authOptions } from './next-auth';

export type SessionPerson =
  | { state: 'anonymous' }
  /** a session whose person was disabled or removed: refused from this request on */
  | { state: 'refused'; disabled: boolean }
  /** signed in through single sign-on, no role yet */
  | { state: 'waiting'; user: SessionUser }
  | { state: 'active'; user: SessionUser & { role: 'supervisor' | 'owner' } };

/** The person behind this request's session cookie, read from the users table on every request (no cache across requests). */
export const readSessionPerson = cache(async (): Promise<SessionPerson> => {
  const session = await getServerSession(authOptions);
  const uid = (session?.user as { id?: string } | undefined)?.id;
  if (!uid) return { state: 'anonymous' };
  const { db } = await getRuntimeDatabase();
  const user = await findUserById(db, uid);
  if (!user || user.disabled) return { state: 'refused', disabled: Boolean(user?.disabled) };
  if (!user.role) return { state: 'waiting', user };
  return { state: 'active', user: { ...user, role: user.role } };
});
