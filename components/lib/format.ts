/** Display helpers shared by the console pages. Pure: no React, no DOM. */
import { type D30Decision, type Signal, SIGNALS } from '@/lib/schemas/enums';

export const signalLabels: Record<Signal, string> & Record<string, string | undefined> = {
  claim_no_output: 'Claim no output',
  fetch_failed: 'Fetch failed',
  lease_near_expiry: 'Lease near expiry',
  lease_expired: 'Lease expired',
  queue_stuck: 'Queue stuck',
  artifact_gate_fail: 'Artifact gate fail',
  no_progress: 'No progress',
  loop_detected: 'Loop detected',
  worker_silent: 'Worker silent',
};

/** The signals in the order the pages list them: the order of lib/schemas/enums.ts. */
export const signalOrder = SIGNALS;

export function signalLabel(signal: string | null | undefined): string {
  if (!signal) return '—';
  return signalLabels[signal] ?? humanize(signal);
}

export function humanize(s: string): string {
  const t = s.replaceAll('_', ' ').replaceAll('.', ' · ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

export function formatPercent(v: number | null | undefined, digits = 0): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return `${(v * 100).toFixed(digits)}%`;
}

export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return new Intl.NumberFormat('en-US').format(v);
}

/** 42 s, 3 min 5 s, 2 h 10 min, 3 d 4 h */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.round(Math.abs(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${ms} ms`;
  return formatDuration(ms / 1000);
}

/** "in 3 min", "5 s ago" relative to `now`. */
export function formatRelative(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return '—';
  const t = new Date(iso).getTime();
  if (!Number.isFinite(t)) return '—';
  const diff = Math.round((t - now) / 1000);
  if (Math.abs(diff) < 5) return 'just now';
  return diff > 0 ? `in ${formatDuration(diff)}` : `${formatDuration(-diff)} ago`;
}

/** 2026-03-01 10:00:05 UTC — unambiguous across the team's time zones. */
export function formatTimestamp(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (!Number.isFinite(d.getTime())) return '—';
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, ' UTC');
}

export function shortHash(hash: string | null | undefined, length = 12): string {
  if (!hash) return '—';
  const h = hash.startsWith('sha256:') ? hash.slice(7) : hash;
  return `${hash.startsWith('sha256:') ? 'sha256:' : ''}${h.slice(0, length)}…`;
}

export const decisionLabels: Record<D30Decision, string> & Record<string, string | undefined> = {
  continue: 'Continue',
  escalate_to_watchdog_agent: 'Escalate to watchdog agent',
  change_owner: 'Change owner',
};

export function decisionLabel(d: string | null | undefined): string {
  if (!d) return '—';
  return decisionLabels[d] ?? humanize(d);
}
