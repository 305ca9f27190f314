import { getToken } from 'next-auth/jwt';
import type { NextRequest } from 'next/server';
import type { Db } from '@/db/client';
import type { Actor } from '@/lib/watchdog/context';
import { findActorByTokenHash, presentedTokenHash } from '@/lib/watchdog/access';
import { findUserById } from '@/lib/watchdog/access';
import { config } from '@/lib/config';

export interface Authentication {
  actor: Actor | null;
  /** a label for the audit log when the caller is refused */
  caller: string;
  /** true when credentials were presented but are unknown or revoked */
  presented: boolean;
  /** which credential was looked at: a bearer token (guessable by a caller), a session cookie (sealed), or none */
  kind: 'token' | 'session' | 'none';
}

/** The secret of an `Authorization: Bearer …` header; null when there is none or it is malformed. */
export function bearerSecret(headers: Headers): string | null {
  const header = headers.get('authorization');
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m ? m[1] : null;
}

const verifiedKey = Symbol.for('worker-watchdog.verified-token-ids');
type VerifiedHolder = typeof globalThis & { [verifiedKey]?: Map<string, string> };
const VERIFIED_MAX = 10_000;

/**
 * Token hash → token id, for tokens this process has seen authenticate. It is NOT an authentication
 * cache: a route with a statement-verified hot path (RouteSpec.statementAuth) uses it only to know
 * the credential's rate-limit key before the statement runs, and the statement checks the token row
 * (revocation included) itself. A token not listed simply takes the full path.
 */
export function verifiedTokenId(tokenHash: string): string | undefined {
  return (globalThis as VerifiedHolder)[verifiedKey]?.get(tokenHash);
}

function rememberVerifiedToken(tokenHash: string, id: string) {
  const g = globalThis as VerifiedHolder;
  const map = (g[verifiedKey] ??= new Map());
  if (map.size >= VERIFIED_MAX && !map.has(tokenHash)) map.clear();
  map.set(tokenHash, id);
}

/** Bearer token first, then the next-auth session cookie. */
export async function authenticateRequest(req: NextRequest, db: Db): Promise<Authentication> {
  if (req.headers.get('authorization')) {
    const secret = bearerSecret(req.headers);
    if (!secret) return { actor: null, caller: 'malformed-authorization', presented: true, kind: 'token' };
    const hash = presentedTokenHash(secret);
    const actor = hash ? await findActorByTokenHash(db, hash) : null;
    if (hash && actor) rememberVerifiedToken(hash, actor.id);
    return { actor, caller: actor?.label ?? `token:${secret.slice(0, 10)}…`, presented: true, kind: 'token' };
  }
  const jwt = await getToken({ req, secret: config().nextauthSecret }).catch(() => null);
  if (jwt?.uid) {
    const user = await findUserById(db, String(jwt.uid));
    if (user && (user.role === 'supervisor' || user.role === 'owner')) {
      return { actor: { role: user.role, id: user.id, label: `${user.role}:${user.email}`, via: 'session' }, caller: user.email, presented: true, kind: 'session' };
    }
    return { actor: null, caller: `session:${String(jwt.email ?? jwt.uid)}`, presented: true, kind: 'session' };
  }
  return { actor: null, caller: 'anonymous', presented: false, kind: 'none' };
}
