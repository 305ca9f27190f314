import { humanize, signalLabel } from '@/components/lib/format';
import { Badge, type Tone } from './badge';

const riskTones: Record<string, Tone> = { normal: 'success', near_expiry: 'warning', expired: 'danger', stale: 'danger' };
const riskLabels: Record<string, string> = { normal: 'Healthy', near_expiry: 'Near expiry', expired: 'Expired', stale: 'Stale' };

export function RiskBadge({ risk }: { risk: string }) {
  return (
    <Badge tone={riskTones[risk] ?? 'neutral'} dot>
      {riskLabels[risk] ?? humanize(risk)}
    </Badge>
  );
}

const stateTones: Record<string, Tone> = { active: 'info', released: 'neutral', expired: 'danger', completed: 'success' };

export function LeaseStateBadge({ state }: { state: string }) {
  return <Badge tone={stateTones[state] ?? 'neutral'}>{humanize(state)}</Badge>;
}

const signalTones: Record<string, Tone> = {
  claim_no_output: 'warning',
  fetch_failed: 'warning',
  lease_near_expiry: 'info',
  lease_expired: 'danger',
  queue_stuck: 'danger',
  artifact_gate_fail: 'accent',
  no_progress: 'warning',
  loop_detected: 'danger',
  worker_silent: 'warning',
};

export function SignalBadge({ signal }: { signal: string | null }) {
  if (!signal) return <Badge tone="muted">none</Badge>;
  return (
    <Badge tone={signalTones[signal] ?? 'neutral'} dot>
      {signalLabel(signal)}
    </Badge>
  );
}

export function signalTone(signal: string): Tone {
  return signalTones[signal] ?? 'neutral';
}

const resultTones: Record<string, Tone> = { success: 'success', failed: 'danger', needs_human: 'warning', pending: 'info', obsolete: 'muted' };

export function ResultBadge({ result }: { result: string | null }) {
  if (!result) return <Badge tone="muted">suggested</Badge>;
  return <Badge tone={resultTones[result] ?? 'neutral'}>{humanize(result)}</Badge>;
}

export function IncidentStatusBadge({ status }: { status: string }) {
  return (
    <Badge tone={status === 'open' ? 'danger' : 'success'} dot>
      {status === 'open' ? 'Open' : 'Resolved'}
    </Badge>
  );
}

export function RoleBadge({ role }: { role: string | null }) {
  const tone: Tone = role === 'owner' ? 'accent' : role === 'supervisor' ? 'info' : role === 'system' ? 'neutral' : role === 'worker' ? 'muted' : 'muted';
  return <Badge tone={tone}>{role ?? 'unknown'}</Badge>;
}

/** A helper's exit code; null when the process was killed before it exited. */
export function ExitCodeBadge({ code }: { code: number | null }) {
  return (
    <Badge tone={code === 0 ? 'success' : 'danger'} className="font-mono">
      {code === null ? 'killed' : `exit ${code}`}
    </Badge>
  );
}
