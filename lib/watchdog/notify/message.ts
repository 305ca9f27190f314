import type { incidents } from '@/db/schema';

/** What a channel is told: the incident in words, ready for each kind's format. */
export type MessageKind = 'incident_opened' | 'incident_escalated' | 'incident_resolved' | 'test';

export interface Message {
  kind: MessageKind;
  /** one line: "[CRITICAL] Lease expired — job j-1 on w-1" */
  title: string;
  /** label → value facts (signal, severity, job, worker, first failure, ...) */
  facts: [string, string][];
  summary: string;
  repair: string | null;
  link: string | null;
  incident: Record<string, unknown> | null;
}

const signalWords: Record<string, string> = {
  claim_no_output: 'Claim printed nothing',
  fetch_failed: 'Fetch failed (HTTP 500 / fetch failed)',
  lease_near_expiry: 'Lease about to expire',
  lease_expired: 'Lease expired',
  queue_stuck: 'Job stuck in the queue',
  artifact_gate_fail: 'Artifact gate failed',
  no_progress: 'Alive but not moving (no progress)',
  loop_detected: 'Agent loop detected',
  worker_silent: 'Worker went silent',
};

const repairs: Record<string, string> = {
  claim_no_output: 'The runner touched and retried the claim once; if it fails again, check the queue helper and the worker.',
  fetch_failed: 'The runner touched, waited 3 s and retried once; keep the claim payload and continue the build. A second failure needs a person.',
  lease_near_expiry: 'Heartbeat now; if the upload was interrupted, mark the job stuck.',
  lease_expired: 'The job was marked stuck: review it and decide whether to release it.',
  queue_stuck: 'A reclaim request is waiting: approve it in Approvals so another worker can take the job.',
  artifact_gate_fail: 'Complete is blocked until an artifact check passes: fix the upload and check the artifact again.',
  no_progress: 'The worker heartbeats but nothing changes: look at its last output, then release the job if it is stuck.',
  loop_detected: 'The agent repeats the same command with the same output: stop it, then release or reclaim the job.',
  worker_silent: 'The worker has not been seen: check the machine and its runner; its jobs may need to be reclaimed.',
};

export function describeSignal(signal: string): string {
  return signalWords[signal] ?? signal.replace(/_/g, ' ');
}

export function suggestedRepair(signal: string): string | null {
  return repairs[signal] ?? null;
}

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

/** A short account of the evidence, from the incident's details. */
export function evidenceSummary(row: Pick<typeof incidents.$inferSelect, 'details' | 'evidenceEventIds'>): string {
  const d = (row.details ?? {}) as Record<string, unknown>;
  const parts: string[] = [];
  const add = (label: string, v: unknown) => {
    if (v !== null && v !== undefined && v !== '') parts.push(`${label} ${clip(String(v), 160)}`);
  };
  add('phase', d.phase);
  add('failure:', d.failure_reason);
  add('error code', d.last_error_code);
  add('failures:', d.failures);
  add('HTTP status', d.http_status);
  add('artifact', d.primary_url);
  add('lease expired at', d.lease_expires_at);
  add('fencing token', d.fencing_token);
  add('repeats:', d.repeats);
  add('last seen', d.last_seen_at);
  const events = row.evidenceEventIds?.length ?? 0;
  if (events) parts.push(`${events} helper event${events === 1 ? '' : 's'} as evidence`);
  return parts.length ? parts.join('; ') : 'no further evidence recorded';
}

export function incidentLink(base: string | null, id: string): string | null {
  return base ? `${base.replace(/\/+$/, '')}/incidents/${id}` : null;
}

const when = (d: Date | null) =>
  d
    ? d
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC')
    : '—';

/** The message about one incident for one kind of notice. */
export function incidentMessage(kind: Exclude<MessageKind, 'test'>, row: typeof incidents.$inferSelect, base: string | null): Message {
  const what = describeSignal(row.signal);
  const where = [row.jobId ? `job ${row.jobId}` : null, row.workerId ? `worker ${row.workerId}` : null].filter(Boolean).join(' on ');
  const prefix = kind === 'incident_resolved' ? 'Resolved' : kind === 'incident_escalated' ? `Escalated ${row.severity.toUpperCase()}` : row.severity.toUpperCase();
  const facts: [string, string][] = [
    ['Signal', what],
    ['Severity', row.severity],
    ['Job', row.jobId ?? '—'],
    ['Worker', row.workerId ?? '—'],
    ['First failure', when(row.firstFailureAt)],
  ];
  if (kind === 'incident_escalated') facts.push(['Detected', when(row.detectedAt)], ['Acknowledged', 'nobody yet']);
  if (kind === 'incident_resolved') facts.push(['Resolved', `${when(row.resolvedAt)}${row.resolvedBy ? ` by ${row.resolvedBy}` : ''}`], ['Resolution', clip(row.resolution ?? '—', 500)]);
  return {
    kind,
    title: `[${prefix}] ${what}${where ? ` — ${where}` : ''}`,
    facts,
    summary: kind === 'incident_resolved' ? `Resolved: ${clip(row.resolution ?? 'no note', 300)}` : evidenceSummary(row),
    repair: kind === 'incident_resolved' ? null : suggestedRepair(row.signal),
    link: incidentLink(base, row.id),
    incident: {
      id: row.id,
      signal: row.signal,
      severity: row.severity,
      status: row.status,
      job_id: row.jobId,
      worker_id: row.workerId,
      first_failure_at: row.firstFailureAt.toISOString(),
      detected_at: row.detectedAt.toISOString(),
      acknowledged_at: row.acknowledgedAt?.toISOString() ?? null,
      resolved_at: row.resolvedAt?.toISOString() ?? null,
      resolution: row.resolution,
    },
  };
}

export function testMessage(channelName: string, base: string | null): Message {
  return {
    kind: 'test',
    title: `[TEST] Worker Watchdog test message for "${channelName}"`,
    facts: [['Channel', channelName]],
    summary: 'If you can read this, the channel works: incidents will reach you here.',
    repair: null,
    link: base,
    incident: null,
  };
}

/** The message as plain text: readable on a phone, for LINE, email and Slack's fallback. */
export function messageText(m: Message, max = 5000): string {
  const lines = [m.title, '', ...m.facts.map(([k, v]) => `${k}: ${v}`), '', m.kind === 'test' ? m.summary : `Evidence: ${m.summary}`];
  if (m.repair) lines.push(`Suggested repair: ${m.repair}`);
  if (m.link) lines.push('', m.link);
  return clip(lines.join('\n'), max);
}
