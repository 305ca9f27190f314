import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { and, desc, eq, isNull, type SQL, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { apiTokens } from '@/db/schema';
import { auditCtx } from '../audit';
import type { Actor, Ctx, Role } from '../context';
import { notFound, validationFailed } from '../errors';
import { sha256Hex } from '../hash';
import { currentRuntime } from '../runtime';
import type { TokenJson } from '@/lib/schemas/responses';

const PREFIX = 'wdt_';

/**
 * A bearer token that a storing statement verifies itself (the statement-verified fast paths,
 * lib/ingest): the statement writes only while the token row still grants the write.
 */
export interface StatementCredential {
  /** sha256 of the presented secret, as api_tokens stores it */
  tokenHash: string;
  /** the roles the route's permission allows */
  roles: readonly string[];
}

/**
 * SQL: the presented token still exists, is not revoked, has a role the route allows and, for a
 * worker token, is bound to `workerId` — the checks of authenticate + authorize + assertActsFor,
 * made by the statement that writes (so a token revoked a moment ago writes nothing).
 */
export function tokenGrantsSql(credential: StatementCredential, workerId: SQL): SQL {
  return sql`exists (select 1 from api_tokens a where a.token_hash = ${credential.tokenHash} and a.revoked_at is null
    and a.role = any(string_to_array(${credential.roles.join(',')}, ',')) and (a.role <> 'worker' or a.worker_id = ${workerId}))`;
}

export function hashToken(token: string): string {
  return sha256Hex(token);
}

export interface CreateTokenInput {
  role: Role;
  worker_id?: string | null;
  name: string;
}

/** Creates a token; the secret is returned this once and only its hash is stored. */
export async function createToken(ctx: Ctx, input: CreateTokenInput): Promise<{ id: string; token: string }> {
  if (input.role === 'worker' && !input.worker_id) {
    throw validationFailed([{ path: 'worker_id', message: 'worker_id is required for the worker role' }]);
  }
  if (input.role !== 'worker' && input.worker_id) {
    throw validationFailed([{ path: 'worker_id', message: 'worker_id is only for the worker role' }]);
  }
  const id = randomUUID();
  const token = PREFIX + randomBytes(32).toString('base64url');
  await ctx.db.transaction(async (tx) => {
    await tx.insert(apiTokens).values({
      id,
      name: input.name,
      role: input.role,
      workerId: input.worker_id ?? null,
      tokenHash: hashToken(token),
      prefix: token.slice(0, PREFIX.length + 6),
      createdAt: ctx.now,
      createdBy: ctx.actor.label,
    });
    await auditCtx(ctx, { action: 'token.create', target: id, details: { role: input.role, worker_id: input.worker_id ?? null, name: input.name } }, tx);
  });
  return { id, token };
}

export function toTokenJson(row: typeof apiTokens.$inferSelect): TokenJson {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    worker_id: row.workerId,
    prefix: row.prefix,
    created_at: row.createdAt.toISOString(),
    created_by: row.createdBy,
    revoked_at: row.revokedAt?.toISOString() ?? null,
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
  };
}

export async function listTokens(ctx: Pick<Ctx, 'db'>) {
  const rows = await ctx.db.select().from(apiTokens).orderBy(desc(apiTokens.createdAt), apiTokens.name, apiTokens.id);
  return rows.map(toTokenJson);
}

export async function revokeToken(ctx: Ctx, id: string) {
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx.select().from(apiTokens).where(eq(apiTokens.id, id)).for('update');
    if (!row) throw notFound('token');
    if (row.revokedAt) return toTokenJson(row);
    const [updated] = await tx.update(apiTokens).set({ revokedAt: ctx.now }).where(eq(apiTokens.id, id)).returning();
    await auditCtx(ctx, { action: 'token.revoke', target: id, details: { role: row.role, name: row.name } }, tx);
    return toTokenJson(updated);
  });
}

/** One named prepared statement per database: parsed and planned once per connection, not per request. */
function prepareTokenLookup(db: Db) {
  return db
    .select({ id: apiTokens.id, role: apiTokens.role, name: apiTokens.name, workerId: apiTokens.workerId, tokenHash: apiTokens.tokenHash })
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, sql.placeholder('hash')), isNull(apiTokens.revokedAt)))
    .limit(1)
    .prepare('watchdog_find_token');
}

function tokenLookup(db: Db): ReturnType<typeof prepareTokenLookup> {
  const lookups = currentRuntime().caches.tokenLookups;
  let q = lookups.get(db) as ReturnType<typeof prepareTokenLookup> | undefined;
  if (!q) {
    q = prepareTokenLookup(db);
    lookups.set(db, q);
  }
  return q;
}

/**
 * Looks a bearer secret up by its hash; null when unknown or revoked. No cache: every request reads
 * the token row, so a revocation takes effect on the next request on every instance. The read is
 * one unique-index probe through a prepared statement.
 */
export async function findActorByToken(db: Db, token: string): Promise<Actor | null> {
  const hash = presentedTokenHash(token);
  return hash ? findActorByTokenHash(db, hash) : null;
}

/** The stored hash of a presented secret; null when it cannot be a token of ours (no prefix, too long). */
export function presentedTokenHash(token: string): string | null {
  return token.startsWith(PREFIX) && token.length <= 200 ? hashToken(token) : null;
}

/** findActorByToken for a secret already hashed with presentedTokenHash. */
export async function findActorByTokenHash(db: Db, hash: string): Promise<Actor | null> {
  const [row] = await tokenLookup(db).execute({ hash });
  if (!row) return null;
  // The lookup is by hash already; compare once more in constant time as defence in depth.
  if (!timingSafeEqual(Buffer.from(row.tokenHash), Buffer.from(hash))) return null;
  return {
    role: row.role as Role,
    id: row.id,
    label: `${row.role}:${row.name}`,
    workerId: row.workerId,
    via: 'token',
  };
}

/** How stale `last_used_at` may be: one write per token and process per minute at most. */
export const TOKEN_USE_RESOLUTION_MS = 60_000;

/**
 * Records that a token was used, to the minute: at most one UPDATE per token per minute per process,
 * off the request's critical path (a failed write is logged by the caller's catch, never fails the request).
 */
export function noteTokenUse(db: Db, tokenId: string, now: Date): Promise<void> {
  const noted = currentRuntime().caches.tokenUses;
  const last = noted.get(tokenId);
  if (last !== undefined && now.getTime() - last < TOKEN_USE_RESOLUTION_MS) return Promise.resolve();
  if (noted.size >= 10_000) noted.clear();
  noted.set(tokenId, now.getTime());
  return db
    .update(apiTokens)
    .set({ lastUsedAt: now })
    .where(and(eq(apiTokens.id, tokenId), sql`(${apiTokens.lastUsedAt} is null or ${apiTokens.lastUsedAt} < ${now.toISOString()}::timestamptz)`))
    .then(() => undefined);
}
