import type { Db } from '@/db/client';
import { bearerSecret, verifiedActor } from '@/lib/auth/authenticate';
import { type Permission, permissions } from '@/lib/auth/permissions';
import { answer } from '@/lib/http/respond';
import { limit, noteUse, readJsonBody, type Shortcut } from '@/lib/http/route-steps';
import type { ArtifactCheckInput, CompleteInput, HelperEventInput, LeaseInput } from '@/lib/schemas/evidence';
import { presentedTokenHash, type StatementCredential } from '@/lib/watchdog/access';
import { completeInOneStatement, runArtifactCheckByToken } from '@/lib/watchdog/artifacts';
import type { Ctx } from '@/lib/watchdog/context';
import { classifyHelperEvent, cachedRules } from '@/lib/watchdog/rules';
import { type IngestResult, outputHashMatches, preparedItem, replayStored, storedHealthy } from '@/lib/watchdog/events';
import { heartbeatInOneStatement } from '@/lib/watchdog/leases';
import { currentRuntime, type Runtime } from '@/lib/watchdog/runtime';
import { groupCommitter } from './group-commit';

export type { StatementCredential };

/**
 * The hot path of POST /helper-events in one round trip: a healthy event whose hash matches is
 * stored by a statement that also authenticates the token (exists, unrevoked, a permitted role,
 * bound to the event's worker), checks the rules version and that no earlier event of the job repeats
 * it (the loop rule's evidence) — the same checks as the full path, in the database instead of before it. Concurrent calls share statements (group commit): each caller
 * still gets its answer only after its row is committed. Returns null when anything is not plain
 * (credential refused, hash mismatch, a failing event, a repeat, rules changed, the shared statement failed):
 * nothing of this event was stored, and the caller takes the full path, which gives the exact
 * answer (401/403 audited, 400, a judged failure, ...).
 */
export async function ingestHealthyEventByToken(db: Db, now: Date, credential: StatementCredential, input: HelperEventInput, runtime: Runtime = currentRuntime()): Promise<IngestResult | null> {
  if (!outputHashMatches(input)) return null;
  const rules = await cachedRules(db);
  // the loop check is the storing statement's (group-commit.ts): a repeat comes back to be judged
  if (classifyHelperEvent(rules, input, 0).signal) return null;
  const item = preparedItem(input);
  const outcome = await groupCommitter(runtime, db).submit({ item, rules, tokenHash: credential.tokenHash, roles: credential.roles, now });
  if (outcome.kind === 'stored') return storedHealthy(outcome.row, rules);
  if (outcome.kind === 'exists') return replayStored(db, item);
  return null;
}

/** What a statement-verified verb is handed: the actor the token authenticated as before (unproven), its credential, the valid body and path. */
export interface StatementCall<B> {
  ctx: Ctx;
  credential: StatementCredential;
  body: B;
  params: Record<string, string>;
  runtime: Runtime;
}

/**
 * A domain verb that answers the plain case in one statement which also proves the credential
 * (lib/watchdog/access `tokenGrantsSql`); null when it cannot: nothing was written.
 */
export type StatementVerb<B> = (call: StatementCall<B>) => Promise<{ status: number; body: unknown } | null>;

/**
 * A statement-verified fast path as a route shortcut (see RouteSpec.shortcut): tried before
 * authentication when the request carries a bearer token this process has seen authenticate (for
 * its rate-limit key and the actor it writes as) and a valid body and path. The verb's statement
 * checks the token row itself, so a revoked token writes nothing. Whatever it cannot answer goes on
 * through the generic steps, reusing the body it already read and validated and the rate-limit
 * token it already took.
 */
export function statementShortcut<B>(verb: StatementVerb<B>): Shortcut {
  return async (call, rawParams) => {
    const { spec, req, runtime } = call;
    if (spec.permission === 'public' || !spec.body) return null;
    const secret = bearerSecret(req.headers);
    const tokenHash = secret ? presentedTokenHash(secret) : null;
    const actor = tokenHash ? verifiedActor(tokenHash, runtime) : undefined;
    if (!tokenHash || !actor) return null;
    const limited = limit(call, `token:${actor.id}`);
    if (limited) return limited;
    const params = spec.params ? (spec.params as { safeParse(v: unknown): { success: boolean; data?: unknown } }).safeParse(rawParams) : { success: true, data: {} };
    if (!params.success) return null;
    // a body that does not read, parse or validate is answered by the full path, with its exact error
    const raw = await readJsonBody(call).catch(() => undefined);
    const parsed = raw === undefined ? null : (spec.body as { safeParse(v: unknown): { success: boolean; data?: unknown } }).safeParse(raw);
    if (!parsed?.success) return null;
    call.validBody = { data: parsed.data };
    const credential = { tokenHash, roles: permissions[spec.permission as Permission] };
    const ctx: Ctx = { db: call.database.db, actor, now: runtime.clock() };
    const done = await verb({ ctx, credential, body: parsed.data as B, params: params.data as Record<string, string>, runtime });
    if (!done) return null;
    noteUse(call, actor.id);
    return answer(done.status, done.body);
  };
}

/** POST /helper-events: a healthy event stored by the shared group-commit statement. */
export const ingestShortcut = statementShortcut<HelperEventInput>(async ({ ctx, credential, body, runtime }) => {
  const fast = await ingestHealthyEventByToken(ctx.db, ctx.now, credential, body, runtime);
  return fast && { status: fast.status, body: fast.body };
});

/** PATCH /job-leases/{job_id}: a renewal, or the first acquisition of a job. */
export const heartbeatShortcut = statementShortcut<LeaseInput>(async ({ ctx, credential, body, params }) => {
  const plain = await heartbeatInOneStatement(ctx, params.job_id, body, credential);
  return plain && { status: 200, body: plain };
});

/** POST /jobs/{job_id}/complete: the held lease completed through a passed gate. */
export const completeShortcut = statementShortcut<CompleteInput>(async ({ ctx, credential, body, params }) => {
  const done = await completeInOneStatement(ctx, params.job_id, body, credential);
  return done && { status: 200, body: done };
});

/** POST /artifact-checks: the token proven before anything is fetched, then the check as the full path records it. */
export const artifactCheckShortcut = statementShortcut<ArtifactCheckInput>(async ({ ctx, credential, body }) => {
  const check = await runArtifactCheckByToken(ctx, body, credential);
  return check && { status: 201, body: { check } };
});
