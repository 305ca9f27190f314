'use client';

import { useFormat } from '@/components/lib/use-format';
import { Badge, type Tone } from './badge';

const riskTones: Record<string, Tone> = { normal: 'success', near_expiry: 'warning', expired: 'danger', stale: 'danger' };

export function RiskBadge({ risk }: { risk: string }) {
  const f = useFormat();
  return (
    <Badge tone={riskTones[risk] ?? 'neutral'} dot>
      {f.label('risk', risk)}
    </Badge>
  );
}

const stateTones: Record<string, Tone> = { active: 'info', released: 'neutral', expired: 'danger', completed: 'success' };

export function LeaseStateBadge({ state }: { state: string }) {
  const f = useFormat();
  return <Badge tone={stateTones[state] ?? 'neutral'}>{f.label('leaseState', state)}</Badge>;
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
  const f = useFormat();
  if (!signal) return <Badge tone="muted">{f.label('signal', 'none')}</Badge>;
  return (
    <Badge tone={signalTones[signal] ?? 'neutral'} dot>
      {f.signal(signal)}
    </Badge>
  );
}

export function signalTone(signal: string): Tone {
  return signalTones[signal] ?? 'neutral';
}

const resultTones: Record<string, Tone> = { success: 'success', failed: 'danger', needs_human: 'warning', pending: 'info', obsolete: 'muted' };

export function ResultBadge({ result }: { result: string | null }) {
  const f = useFormat();
  if (!result) return <Badge tone="muted">{f.label('result', 'suggested')}</Badge>;
  return <Badge tone={resultTones[result] ?? 'neutral'}>{f.label('result', result)}</Badge>;
}

export function IncidentStatusBadge({ status }: { status: string }) {
  const f = useFormat();
  return (
    <Badge tone={status === 'open' ? 'danger' : 'success'} dot>
      {f.label('incidentStatus', status === 'open' ? 'open' : 'resolved')}
    </Badge>
  );
}

export function RoleBadge({ role }: { role: string | null }) {
  const f = useFormat();
  const tone: Tone = role === 'owner' ? 'accent' : role === 'supervisor' ? 'info' : role === 'system' ? 'neutral' : role === 'worker' ? 'muted' : 'muted';
  return <Badge tone={tone}>{f.label('role', role ?? 'unknown')}</Badge>;
}

/** A helper's exit code; null when the process was killed before it exited. */
export function ExitCodeBadge({ code }: { code: number | null }) {
  const f = useFormat();
  return (
    <Badge tone={code === 0 ? 'success' : 'danger'} className="font-mono">
      {code === null ? f.killed() : f.exitCode(code)}
    </Badge>
  );
}
