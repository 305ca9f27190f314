import { randomUUID } from 'node:crypto';
import { desc, eq, sql } from 'drizzle-orm';
import { type Db, executeNamed, rowsOf } from '@/db/client';
import { artifactChecks } from '@/db/schema';
import type { ArtifactCheckInput } from '@/lib/schemas/evidence';
import { foreignJobRefusal, type StatementCredential, tokenGrantsSql } from '../access';
import { storableJson, storableText } from '../audit';
import type { Ctx } from '../context';
import { openIncident, resolveIncidents } from '../incidents';
import { cachedRules, currentRulesVersionSql, judgeArtifactCheck, refreshRules, type RuleSet, ruleParam } from '../rules';
import { probeUrl, type ProbeOptions, type ProbeResult } from './safe-fetch';
import { telemetry } from '../telemetry';
import type { ArtifactCheckJson } from '@/lib/schemas/responses';

export type CheckRow = typeof artifactChecks.$inferSelect;

/** the advisory lock of a job's checks; artifact_check_slot (migration 0017) takes the same */
const CHECK_LOCK = 7265011;

export function toCheckJson(row: CheckRow): ArtifactCheckJson {
  return {
    id: row.id,
    job_id: row.jobId,
    primary_url: row.primaryUrl,
    files: row.files,
    http_status: row.httpStatus,
    file_count: row.fileCount,
    expected_file_count: row.expectedFileCount,
    passed: row.passed,
    failure_reason: row.failureReason,
    checked_at: row.checkedAt.toISOString(),
    requested_by: row.requestedBy,
  };
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

/**
 * What a check needs to know before it fetches anything, in one statement: the rules version in force
 * (the cached rules are used when it matches), whether another worker holds the job's active lease
 * (a worker may not write into it: `assertJobWritable`'s rule) and, with a `credential` (lib/ingest),
 * whether the token still grants the write.
 */
async function checkPreconditions(ctx: Ctx, jobId: string, credential?: StatementCredential) {
  const worker = ctx.actor.role === 'worker' ? (ctx.actor.workerId ?? '') : null;
  const grants = credential ? tokenGrantsSql(credential, sql`${worker}`) : sql`true`;
  const res = await executeNamed(
    ctx.db,
    `watchdog_check_preconditions${credential ? '_token' : ''}`,
    sql`select ${currentRulesVersionSql} as rules_version, ${grants} as granted,
      (select worker_id from job_leases where job_id = ${jobId} and state = 'active' and worker_id <> ${worker}::text limit 1) as holder`,
  );
  const row = rowsOf<{ rules_version: number | string; granted: boolean; holder: string | null }>(res)[0];
  const cached = await cachedRules(ctx.db);
  const rules = Number(row.rules_version) === cached.version ? cached : await refreshRules(ctx.db);
  return { rules, granted: Boolean(row.granted), holder: worker === null ? null : row.holder };
}

/**
 * The server checks the artifact itself: the primary URL must answer the expected status and
 * enough files must be there (listed without a URL, or answering 200 at their URL).
 * A failed check opens an artifact_gate_fail incident; a passing one resolves it.
 */
export async function runArtifactCheck(ctx: Ctx, input: ArtifactCheckInput, probe: ProbeOptions = {}) {
  const { rules, holder } = await checkPreconditions(ctx, input.job_id);
  if (holder) throw foreignJobRefusal(ctx.actor, input.job_id, holder);
  return probeAndRecord(ctx, input, rules, probe);
}

/**
 * runArtifactCheck for a token this process has seen authenticate (lib/ingest), without an
 * authentication round trip: the preconditions' statement proves the token still grants the write
 * before anything is fetched. Null when it does not, or another worker holds the job: nothing was
 * fetched or written, and the caller takes the full path, which answers exactly (401/403, audited).
 */
export async function runArtifactCheckByToken(ctx: Ctx, input: ArtifactCheckInput, credential: StatementCredential) {
  const { rules, granted, holder } = await checkPreconditions(ctx, input.job_id, credential);
  if (!granted || holder) return null;
  return probeAndRecord(ctx, input, rules, {});
}

async function probeAndRecord(ctx: Ctx, input: ArtifactCheckInput, rules: RuleSet, probe: ProbeOptions) {
  const expectedStatus = ruleParam(rules, 'artifact_gate_fail', 'expected_status');
  const expectedFiles = input.expected_file_count ?? ruleParam(rules, 'artifact_gate_fail', 'min_files');
  const files = input.files ?? [];
  const [primary, fileProbes] = await Promise.all([probeUrl(input.primary_url, probe), mapLimit(files, 5, (f) => (f.url ? probeUrl(f.url, probe) : Promise.resolve<ProbeResult | null>(null)))]);
  const fileResults = files.map((f, i) => {
    const p = fileProbes[i];
    return storableJson({ name: f.name, url: f.url ?? null, http_status: p?.status ?? null, counted: p === null || p.status === 200, error: p?.error ?? null });
  });
  const fileCount = fileResults.filter((f) => f.counted).length;
  const notReachable = fileResults.filter((f) => !f.counted).map((f) => `${f.name} (${f.error ?? f.http_status})`);
  // the one verdict of the rule (rules/signals/artifact-gate.ts), shared with the rules preview
  const { passed, failure } = judgeArtifactCheck(
    { primaryError: primary.error ?? null, httpStatus: primary.status ?? null, fileCount, expectedFileCount: expectedFiles },
    { expected_status: expectedStatus },
    notReachable,
  );
  const id = randomUUID();
  const failureReason = failure == null ? null : storableText(failure);
  // the row but its time, as a SELECT list (every parameter typed: the one-statement path inserts from a SELECT)
  const values = sql`${id}::uuid, ${input.job_id}::text, ${ctx.actor.workerId ?? null}::text, ${storableText(input.primary_url)}::text, ${JSON.stringify(fileResults)}::jsonb,
    ${primary.status ?? null}::int, ${fileCount}::int, ${expectedFiles}::int, ${passed}::boolean, ${failureReason}::text`;
  const columns = sql`(id, job_id, worker_id, primary_url, files, http_status, file_count, expected_file_count, passed, failure_reason, checked_at, requested_by)`;
  // The common check — passing, no gate incident to resolve — is one statement: artifact_check_slot
  // (migration 0017) serializes the job's checks, places this one after the previous and answers null
  // when an open gate incident needs the transaction below.
  const plain = passed
    ? rowsOf<Record<string, unknown>>(
        await executeNamed(
          ctx.db,
          'watchdog_check_passed',
          sql`with slot as (select artifact_check_slot(${input.job_id}::text, ${ctx.now.toISOString()}::timestamptz) as t)
            insert into artifact_checks ${columns} select ${values}, slot.t, ${ctx.actor.label}::text from slot where slot.t is not null returning *`,
        ),
      )[0]
    : undefined;
  const row = plain
    ? toCheckRow(plain)
    : await ctx.db.transaction(async (tx) => {
        // Checks of one job are ordered by checked_at and the gate reads the latest: serialize the
        // job's checks and keep each one strictly after the one before, whatever the clock says.
        await tx.execute(sql`select pg_advisory_xact_lock(${CHECK_LOCK}, hashtext(${input.job_id}))`);
        // one statement: the previous check's time, the insert, and whether a gate incident is open to resolve
        const res = await tx.execute(sql`
          with previous as (
            select checked_at from artifact_checks where job_id = ${input.job_id} order by checked_at desc, id desc limit 1
          ), inserted as (
            insert into artifact_checks ${columns}
            select ${values}, greatest(${ctx.now.toISOString()}::timestamptz, (select checked_at from previous) + interval '1 millisecond'), ${ctx.actor.label}::text
            returning *
          )
          select inserted.*, exists (select 1 from incidents where job_id = ${input.job_id} and status = 'open' and signal = 'artifact_gate_fail') as gate_open
          from inserted`);
        const stored = rowsOf<Record<string, unknown>>(res)[0];
        const inserted = toCheckRow(stored);
        const now = inserted.checkedAt;
        if (passed) {
          if (stored.gate_open) await resolveIncidents(tx, now, input.job_id, `artifact check ${id} passed`, ['artifact_gate_fail']);
        } else {
          await openIncident(tx, now, {
            jobId: input.job_id,
            signal: 'artifact_gate_fail',
            firstFailureAt: now,
            details: {
              check_id: id,
              failure_reason: failureReason,
              primary_url: storableText(input.primary_url),
              http_status: primary.status,
              file_count: fileCount,
              expected_file_count: expectedFiles,
            },
            ruleVersion: rules.version,
          });
        }
        return inserted;
      });
  telemetry().gateResults.inc({ kind: 'artifact_check', result: passed ? 'passed' : 'failed' });
  return toCheckJson(row);
}

/** A raw artifact_checks row (snake_case) → the drizzle row shape. */
function toCheckRow(r: Record<string, unknown>): CheckRow {
  const files = typeof r.files === 'string' ? (JSON.parse(r.files) as unknown[]) : (r.files as unknown[]);
  return {
    id: String(r.id),
    jobId: String(r.job_id),
    workerId: (r.worker_id as string | null) ?? null,
    primaryUrl: String(r.primary_url),
    files,
    httpStatus: r.http_status == null ? null : Number(r.http_status),
    fileCount: Number(r.file_count),
    expectedFileCount: Number(r.expected_file_count),
    passed: Boolean(r.passed),
    failureReason: (r.failure_reason as string | null) ?? null,
    checkedAt: r.checked_at instanceof Date ? r.checked_at : new Date(String(r.checked_at)),
    requestedBy: String(r.requested_by),
  };
}

export async function latestArtifactCheck(db: Db, jobId: string): Promise<CheckRow | null> {
  const [row] = await db.select().from(artifactChecks).where(eq(artifactChecks.jobId, jobId)).orderBy(desc(artifactChecks.checkedAt), desc(artifactChecks.id)).limit(1);
  return row ?? null;
}
