import { getToken } from 'next-auth/jwt';
import type { NextRequest } from 'next/server';
import type { Db } from '@/db/client';
import type { Actor } from '@/lib/watchdog/context';
import { findActorByToken } from '@/lib/watchdog/tokens';
import { findUserById } from '@/lib/watchdog/users';

export interface Authentication {
  actor: Actor | null;
  /** a label for the audit log when the caller is refused */
  caller: string;
  /** true when credentials were presented but are unknown or revoked */
  presented: boolean;
  /** which credential was looked at: a bearer token (guessable by a caller), a session cookie (sealed), or none */
  kind: 'token' | 'session' | 'none';
}

/** Bearer token first, then the next-auth session cookie. */
export async function authenticateRequest(req: NextRequest, db: Db): Promise<Authentication> {
  const header = req.headers.get('authorization');
  if (header) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return { actor: null, caller: 'malformed-authorization', presented: true, kind: 'token' };
    const actor = await findActorByToken(db, m[1]);
    return { actor, caller: actor?.label ?? `token:${m[1].slice(0, 10)}…`, presented: true, kind: 'token' };
  }
  const jwt = await getToken({ req, secret: process.env.NEXTAUTH_SECRET }).catch(() => null);
  if (jwt?.uid) {
    const user = await findUserById(db, String(jwt.uid));
    if (user && (user.role === 'supervisor' || user.role === 'owner')) {
      return { actor: { role: user.role, id: user.id, label: `${user.role}:${user.email}`, via: 'session' }, caller: user.email, presented: true, kind: 'session' };
    }
    return { actor: null, caller: `session:${String(jwt.email ?? jwt.uid)}`, presented: true, kind: 'session' };
  }
  return { actor: null, caller: 'anonymous', presented: false, kind: 'none' };
}
