import type { Db } from '@/db/client';
import { bearerSecret, verifiedTokenId } from '@/lib/auth/authenticate';
import { type Permission, permissions } from '@/lib/auth/permissions';
import { json } from '@/lib/http/respond';
import { limit, noteUse, readJsonBody, type Shortcut } from '@/lib/http/route-steps';
import type { HelperEventInput } from '@/lib/schemas/evidence';
import { presentedTokenHash } from '@/lib/watchdog/access';
import { classifyHelperEvent, cachedRules, findLoop } from '@/lib/watchdog/rules';
import { type IngestResult, outputHashMatches, preparedItem, replayStored, storedHealthy } from '@/lib/watchdog/events';
import { currentRuntime, type Runtime } from '@/lib/watchdog/runtime';
import { groupCommitter } from './group-commit';

/** A bearer token that the storing statement verifies itself. */
export interface StatementCredential {
  /** sha256 of the presented secret, as api_tokens stores it */
  tokenHash: string;
  /** the roles the route's permission allows */
  roles: readonly string[];
}

/**
 * The hot path of POST /helper-events in one round trip: a healthy event whose hash matches is
 * stored by a statement that also authenticates the token (exists, unrevoked, a permitted role,
 * bound to the event's worker) and checks the rules version — the same checks as the full path, in
 * the database instead of before it. Concurrent calls share statements (group commit): each caller
 * still gets its answer only after its row is committed. Returns null when anything is not plain
 * (credential refused, hash mismatch, a failing event, rules changed, the shared statement failed):
 * nothing of this event was stored, and the caller takes the full path, which gives the exact
 * answer (401/403 audited, 400, a judged failure, ...).
 */
export async function ingestHealthyEventByToken(db: Db, now: Date, credential: StatementCredential, input: HelperEventInput, runtime: Runtime = currentRuntime()): Promise<IngestResult | null> {
  if (!outputHashMatches(input)) return null;
  const rules = await cachedRules(db);
  if (classifyHelperEvent(rules, input, 0).signal || (await findLoop(db, input, rules, now))) return null;
  const item = preparedItem(input);
  const outcome = await groupCommitter(runtime, db).submit({ item, rules, tokenHash: credential.tokenHash, roles: credential.roles, now });
  if (outcome.kind === 'stored') return storedHealthy(outcome.row, rules);
  if (outcome.kind === 'exists') return replayStored(db, item);
  return null;
}

/**
 * The ingest fast path as a route shortcut (see RouteSpec.shortcut): tried before authentication
 * when the request carries a bearer token this process has seen authenticate (for its rate-limit
 * key) and a valid body. Whatever it cannot answer goes on through the generic steps, reusing the
 * body it already read and validated and the rate-limit token it already took.
 */
export const ingestShortcut: Shortcut = async (call) => {
  const { spec, req, runtime } = call;
  if (spec.permission === 'public' || !spec.body) return null;
  const secret = bearerSecret(req.headers);
  const tokenHash = secret ? presentedTokenHash(secret) : null;
  const tokenId = tokenHash ? verifiedTokenId(tokenHash, runtime) : undefined;
  if (!tokenHash || !tokenId) return null;
  const limited = limit(call, `token:${tokenId}`);
  if (limited) return limited;
  // a body that does not read, parse or validate is answered by the full path, with its exact error
  const raw = await readJsonBody(call).catch(() => undefined);
  const parsed = raw === undefined ? null : (spec.body as { safeParse(v: unknown): { success: boolean; data?: unknown } }).safeParse(raw);
  if (!parsed?.success) return null;
  call.validBody = { data: parsed.data };
  const credential = { tokenHash, roles: permissions[spec.permission as Permission] };
  const fast = await ingestHealthyEventByToken(call.database.db, runtime.clock(), credential, parsed.data as HelperEventInput, runtime);
  if (!fast) return null;
  noteUse(call, tokenId);
  return json(fast.status, fast.body);
};
