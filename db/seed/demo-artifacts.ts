import { randomUUID } from 'node:crypto';
import type { Db } from '@/db/client';
import { artifactChecks } from '@/db/schema';
import { openIncident, resolveIncidents } from '@/lib/watchdog/incidents';
import { getCurrentRules } from '@/lib/watchdog/rules';

/**
 * Writes an artifact check as evidence, with its incident, as `runArtifactCheck` does after probing:
 * a failed check opens (or adds to) the job's artifact_gate_fail incident, a passing one resolves it.
 * For the demo and tests, where nothing can be probed and the clock is injected.
 */
export async function recordArtifactEvidence(db: Db, input: { jobId: string; workerId: string; passed: boolean; at: Date; primaryUrl?: string }) {
  const id = randomUUID();
  const base = input.primaryUrl ?? `https://artifacts.acme.dev/${input.jobId}/report.html`;
  const folder = base.slice(0, base.lastIndexOf('/') + 1);
  const files = input.passed ? ['report.html', 'patch.diff', 'logs.txt'].map((name) => ({ name, url: folder + name, http_status: 200, counted: true, error: null })) : [];
  const failure = input.passed ? null : 'primary_url answered 404, expected 200';
  await db.transaction(async (tx) => {
    await tx.insert(artifactChecks).values({
      id,
      jobId: input.jobId,
      workerId: input.workerId,
      primaryUrl: base,
      files,
      httpStatus: input.passed ? 200 : 404,
      fileCount: files.length,
      expectedFileCount: 3,
      passed: input.passed,
      failureReason: failure,
      checkedAt: input.at,
      requestedBy: `worker:${input.workerId}`,
    });
    if (input.passed) await resolveIncidents(tx, input.at, input.jobId, `artifact check ${id} passed`, ['artifact_gate_fail']);
    else {
      const rules = await getCurrentRules(tx);
      await openIncident(tx, input.at, {
        jobId: input.jobId,
        signal: 'artifact_gate_fail',
        firstFailureAt: input.at,
        details: { check_id: id, failure_reason: failure, primary_url: base },
        ruleVersion: rules.version,
      });
    }
  });
  return id;
}
