import type { JobStory } from '@/components/lib/types';
import type { Tone } from '@/components/ui/badge';

/** Why a job is not healthy: a message key of `jobs.health` and its arguments (the page words it). */
export type HealthReason =
  | { key: 'checkFailed'; reason: string }
  | { key: 'checkFailedNoReason' }
  | { key: 'criticalIncident'; signal: string }
  | { key: 'incident'; signal: string }
  | { key: 'leaseStale' }
  | { key: 'leaseExpired' }
  | { key: 'leaseNearExpiry' };

export interface JobHealth {
  level: 0 | 1 | 2;
  tone: Tone;
  /** a message key of `jobs.health` */
  label: 'healthy' | 'needsAttention' | 'failing' | 'completed';
  /** why it is not healthy, one sentence each */
  reasons: HealthReason[];
}

const labels = ['healthy', 'needsAttention', 'failing'] as const;
const tones: Tone[] = ['success', 'warning', 'danger'];

/**
 * A job's health is the worst of its open incidents (critical → failing, warning → needs attention),
 * its latest artifact check (failed → failing) and its lease's risk. A completed job with nothing open
 * is "Completed". Pure, so the rule is tested on its own.
 */
export function jobHealth(story: Pick<JobStory, 'incidents' | 'checks' | 'lease'>): JobHealth {
  let level: 0 | 1 | 2 = 0;
  const reasons: HealthReason[] = [];
  const raise = (to: 1 | 2, reason: HealthReason) => {
    if (to > level) level = to;
    reasons.push(reason);
  };
  const latest = [...story.checks].sort((a, b) => b.checked_at.localeCompare(a.checked_at))[0];
  if (latest && !latest.passed) raise(2, latest.failure_reason ? { key: 'checkFailed', reason: latest.failure_reason } : { key: 'checkFailedNoReason' });
  for (const i of story.incidents) {
    if (i.status !== 'open') continue;
    raise(i.severity === 'critical' ? 2 : 1, { key: i.severity === 'critical' ? 'criticalIncident' : 'incident', signal: i.signal });
  }
  const risk = story.lease?.state === 'active' || story.lease?.state === 'expired' ? story.lease.risk_level : null;
  if (risk === 'expired' || risk === 'stale') raise(2, { key: risk === 'stale' ? 'leaseStale' : 'leaseExpired' });
  else if (risk === 'near_expiry') raise(1, { key: 'leaseNearExpiry' });
  const label = level === 0 && story.lease?.state === 'completed' ? 'completed' : labels[level];
  return { level, tone: tones[level]!, label, reasons };
}
