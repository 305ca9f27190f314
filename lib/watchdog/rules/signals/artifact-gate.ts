/**
 * artifact_gate_fail — a failed artifact check: the primary URL did not answer `expected_status`, or
 * fewer files than expected were there.
 *
 * The one implementation of the verdict: a pure function of what the probe saw and the params.
 * runArtifactCheck (lib/watchdog/artifacts) calls it on a fresh probe; a replay calls it on the
 * stored check (http_status, file_count, expected_file_count).
 */
export interface ArtifactProbeEvidence {
  /** the probe could not fetch the primary URL (refused host, timeout …) */
  primaryError: string | null;
  httpStatus: number | null;
  fileCount: number;
  expectedFileCount: number;
}

export interface ArtifactGateParams {
  expected_status: number;
}

export type ArtifactVerdict = { passed: true; failure: null } | { passed: false; failure: string };

export function judgeArtifactCheck(e: ArtifactProbeEvidence, params: ArtifactGateParams, notReachable: string[] = []): ArtifactVerdict {
  if (e.primaryError) return { passed: false, failure: `primary_url: ${e.primaryError}` };
  if (e.httpStatus !== params.expected_status) return { passed: false, failure: `primary_url answered ${e.httpStatus}, expected ${params.expected_status}` };
  if (e.fileCount < e.expectedFileCount) {
    return { passed: false, failure: `${e.fileCount} of ${e.expectedFileCount} expected files` + (notReachable.length ? `; not reachable: ${notReachable.slice(0, 5).join(', ')}` : '') };
  }
  return { passed: true, failure: null };
}
