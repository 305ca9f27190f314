import { getToken } from 'next-auth/jwt';
import type { NextRequest } from 'next/server';
import type { Db } from '@/db/client';
import type { Actor } from '@/lib/watchdog/context';
import { findActorByTokenHash, findUserById, presentedTokenHash } from '@/lib/watchdog/access';
import { currentRuntime, type Runtime } from '@/lib/watchdog/runtime';
import { config } from '@/lib/config';
import type { HeaderReader, RouteRequest } from '@/lib/http/request-info';

export interface Authentication {
  actor: Actor | null;
  /** a label for the audit log when the caller is refused */
  caller: string;
  /** true when credentials were presented but are unknown or revoked */
  presented: boolean;
  /** which credential was looked at: a bearer token (guessable by a caller), a session cookie (sealed), or none */
  kind: 'token' | 'session' | 'none';
  /** a signed-in person who has no role yet (single sign-on, waiting for an owner): refused with 403, not 401 */
  waiting?: boolean;
}

/** The secret of an `Authorization: Bearer …` header; null when there is none or it is malformed. */
export function bearerSecret(headers: HeaderReader): string | null {
  const header = headers.get('authorization');
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m ? m[1] : null;
}

const VERIFIED_MAX = 10_000;

/**
 * Token hash → the actor it authenticated as, for tokens this process has seen authenticate. It is
 * NOT an authentication cache: the statement-verified fast paths (lib/ingest) use it to know the
 * credential's rate-limit key and who to write as before their statement runs, and the statement
 * checks the token row (revocation, role, worker binding) itself and writes nothing when it no longer
 * holds. A token not listed simply takes the full path.
 */
export function verifiedActor(tokenHash: string, runtime: Runtime = currentRuntime()): Actor | undefined {
  return runtime.caches.verifiedTokens.get(tokenHash);
}

function rememberVerifiedToken(tokenHash: string, actor: Actor) {
  const map = currentRuntime().caches.verifiedTokens;
  if (map.size >= VERIFIED_MAX && !map.has(tokenHash)) map.clear();
  map.set(tokenHash, actor);
}

/** Bearer token first, then the next-auth session cookie. */
export async function authenticateRequest(req: RouteRequest, db: Db): Promise<Authentication> {
  if (req.headers.get('authorization')) {
    const secret = bearerSecret(req.headers);
    if (!secret) return { actor: null, caller: 'malformed-authorization', presented: true, kind: 'token' };
    const hash = presentedTokenHash(secret);
    const actor = hash ? await findActorByTokenHash(db, hash) : null;
    if (hash && actor) rememberVerifiedToken(hash, actor);
    return { actor, caller: actor?.label ?? `token:${secret.slice(0, 10)}…`, presented: true, kind: 'token' };
  }
  // a session cookie comes only on Next's request (the node lane takes no request with a cookie)
  const jwt = await getToken({ req: req as NextRequest, secret: config().nextauthSecret }).catch(() => null);
  if (jwt?.uid) {
    // read on every request (no cache): a disabled person is refused, a changed role counts, at once and on every instance
    const user = await findUserById(db, String(jwt.uid));
    if (user && !user.disabled && user.role) {
      return { actor: { role: user.role, id: user.id, label: `${user.role}:${user.email}`, via: 'session' }, caller: user.email, presented: true, kind: 'session' };
    }
    if (user && !user.disabled) return { actor: null, caller: `waiting:${user.email}`, presented: true, kind: 'session', waiting: true };
    return { actor: null, caller: `session:${user?.email ?? String(jwt.email ?? jwt.uid)}`, presented: true, kind: 'session' };
  }
  return { actor: null, caller: 'anonymous', presented: false, kind: 'none' };
}
