import { randomUUID } from 'node:crypto';
import { desc, eq, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { artifactChecks } from '@/db/schema';
import type { ArtifactCheckInput } from '@/lib/schemas/evidence';
import { assertJobWritable } from '../access';
import { storableJson, storableText } from '../audit';
import type { Ctx } from '../context';
import { openIncident, resolveIncidents } from '../incidents';
import { getCurrentRules, judgeArtifactCheck, ruleParam } from '../rules';
import { probeUrl, type ProbeOptions, type ProbeResult } from './safe-fetch';
import { telemetry } from '../telemetry';
import type { ArtifactCheckJson } from '@/lib/schemas/responses';

export type CheckRow = typeof artifactChecks.$inferSelect;

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
 * The server checks the artifact itself: the primary URL must answer the expected status and
 * enough files must be there (listed without a URL, or answering 200 at their URL).
 * A failed check opens an artifact_gate_fail incident; a passing one resolves it.
 */
export async function runArtifactCheck(ctx: Ctx, input: ArtifactCheckInput, probe: ProbeOptions = {}) {
  await assertJobWritable(ctx.db, ctx.actor, input.job_id);
  const rules = await getCurrentRules(ctx.db);
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
  const row = await ctx.db.transaction(async (tx) => {
    // Checks of one job are ordered by checked_at and the gate reads the latest: serialize the
    // job's checks and keep each one strictly after the one before, whatever the clock says.
    await tx.execute(sql`select pg_advisory_xact_lock(${CHECK_LOCK}, hashtext(${input.job_id}))`);
    const previous = await latestArtifactCheck(tx, input.job_id);
    const now = previous && previous.checkedAt.getTime() >= ctx.now.getTime() ? new Date(previous.checkedAt.getTime() + 1) : ctx.now;
    const [inserted] = await tx
      .insert(artifactChecks)
      .values({
        id,
        jobId: input.job_id,
        workerId: ctx.actor.workerId ?? null,
        primaryUrl: storableText(input.primary_url),
        files: fileResults,
        httpStatus: primary.status,
        fileCount,
        expectedFileCount: expectedFiles,
        passed,
        failureReason: failure == null ? null : storableText(failure),
        checkedAt: now,
        requestedBy: ctx.actor.label,
      })
      .returning();
    if (passed) {
      await resolveIncidents(tx, now, input.job_id, `artifact check ${id} passed`, ['artifact_gate_fail']);
    } else {
      await openIncident(tx, now, {
        jobId: input.job_id,
        signal: 'artifact_gate_fail',
        firstFailureAt: now,
        details: {
          check_id: id,
          failure_reason: failure == null ? null : storableText(failure),
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

export async function latestArtifactCheck(db: Db, jobId: string): Promise<CheckRow | null> {
  const [row] = await db.select().from(artifactChecks).where(eq(artifactChecks.jobId, jobId)).orderBy(desc(artifactChecks.checkedAt), desc(artifactChecks.id)).limit(1);
  return row ?? null;
}
