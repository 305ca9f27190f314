import type { JobStory } from '@/components/lib/types';
import type { Tone } from '@/components/ui/badge';
import { signalLabel } from '@/components/lib/format';

export interface JobHealth {
  level: 0 | 1 | 2;
  tone: Tone;
  label: string;
  /** why it is not healthy, one sentence each */
  reasons: string[];
}

const labels = ['Healthy', 'Needs attention', 'Failing'] as const;
const tones: Tone[] = ['success', 'warning', 'danger'];

/**
 * A job's health is the worst of its open incidents (critical → failing, warning → needs attention),
 * its latest artifact check (failed → failing) and its lease's risk. A completed job with nothing open
 * is "Completed". Pure, so the rule is tested on its own.
 */
export function jobHealth(story: Pick<JobStory, 'incidents' | 'checks' | 'lease'>): JobHealth {
  let level: 0 | 1 | 2 = 0;
  const reasons: string[] = [];
  const raise = (to: 1 | 2, reason: string) => {
    if (to > level) level = to;
    reasons.push(reason);
  };
  const latest = [...story.checks].sort((a, b) => b.checked_at.localeCompare(a.checked_at))[0];
  if (latest && !latest.passed) raise(2, latest.failure_reason ? `The latest artifact check failed: ${latest.failure_reason}` : 'The latest artifact check failed.');
  for (const i of story.incidents) {
    if (i.status !== 'open') continue;
    raise(i.severity === 'critical' ? 2 : 1, i.severity === 'critical' ? `Open critical incident: ${signalLabel(i.signal)}` : `Open incident: ${signalLabel(i.signal)}`);
  }
  const risk = story.lease?.state === 'active' || story.lease?.state === 'expired' ? story.lease.risk_level : null;
  if (risk === 'expired' || risk === 'stale') raise(2, risk === 'stale' ? 'The lease is stale: no heartbeat long after it expired.' : 'The lease expired without a heartbeat.');
  else if (risk === 'near_expiry') raise(1, 'The lease is about to expire.');
  const label = level === 0 && story.lease?.state === 'completed' ? 'Completed' : labels[level];
  return { level, tone: tones[level]!, label, reasons };
}
