import type { Signal } from '@/lib/schemas/common';
import { CliError } from '../args';

/** A seeded PRNG (mulberry32): the same seed gives the same fleet. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FAULT_KINDS = ['fetch_failed', 'fetch_failed_hard', 'silent_claim', 'silent_claim_hard', 'lease_expired', 'queue_stuck', 'artifact_404', 'artifact_empty', 'unclassified'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** What each fault does, and the signal the console should show for it (null: by design nothing recognises it). */
export const FAULTS: Record<FaultKind, { does: string; expect: Signal | null }> = {
  fetch_failed: { does: 'a context/upload/complete helper dies once with 500 TypeError: fetch failed, then works', expect: 'fetch_failed' },
  fetch_failed_hard: { does: 'a context or upload helper fails with fetch failed on both attempts', expect: 'fetch_failed' },
  silent_claim: { does: 'the claim prints nothing until killed, the retry works', expect: 'claim_no_output' },
  silent_claim_hard: { does: 'the claim stays silent on the retry too (the job is never taken)', expect: 'claim_no_output' },
  lease_expired: { does: 'the worker dies holding the lease (expiry backdated just past)', expect: 'lease_expired' },
  queue_stuck: { does: 'the worker dies and the job sits past the stuck grace (expiry backdated > 300 s)', expect: 'queue_stuck' },
  artifact_404: { does: 'the upload names an artifact that answers 404', expect: 'artifact_gate_fail' },
  artifact_empty: { does: 'the upload names an artifact that lists no files', expect: 'artifact_gate_fail' },
  unclassified: { does: 'the build fails with output no rule recognises', expect: null },
};

/** With the defaults, about half the jobs meet a fault and every kind appears at least once (from 9 jobs up). */
export const DEFAULT_FAULT_RATES: Record<FaultKind, number> = {
  fetch_failed: 0.12,
  fetch_failed_hard: 0.05,
  silent_claim: 0.08,
  silent_claim_hard: 0.03,
  lease_expired: 0.07,
  queue_stuck: 0.05,
  artifact_404: 0.06,
  artifact_empty: 0.04,
  unclassified: 0.04,
};

/** `fetch_failed=0.2,silent_claim=0.1`: named rates replace the defaults; `none` turns every fault off. */
export function parseFaultSpec(spec: string | undefined): Record<FaultKind, number> {
  const rates = { ...DEFAULT_FAULT_RATES };
  if (spec === undefined) return rates;
  if (spec.trim() === 'none') return Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, value] = part.split('=');
    if (!(FAULT_KINDS as readonly string[]).includes(name)) throw new CliError(`--faults: unknown fault "${name}" (known: ${FAULT_KINDS.join(', ')}, or none)`);
    const rate = Number(value);
    if (value === undefined || !Number.isFinite(rate) || rate < 0 || rate > 1) throw new CliError(`--faults: ${name} needs a rate between 0 and 1, e.g. ${name}=0.1`);
    rates[name as FaultKind] = rate;
  }
  const total = FAULT_KINDS.reduce((s, k) => s + rates[k], 0);
  if (total > 1 + 1e-9) throw new CliError(`--faults: the rates add up to ${total.toFixed(2)}; at most 1 (one fault per job)`);
  return rates;
}

export interface JobPlan {
  jobId: string;
  fault: FaultKind | null;
  /** the phase a fetch failure hits */
  phase?: 'context' | 'upload' | 'complete';
}

/**
 * The jobs and their faults, all from the seed: each kind gets round(rate × jobs) jobs (at least
 * one when its rate is above 0 and there are jobs enough), placed by a seeded shuffle.
 */
export function planJobs(seed: number, jobs: number, rates: Record<FaultKind, number>, prefix?: string): JobPlan[] {
  const rnd = seededRandom(seed);
  const tag = Math.floor(rnd() * 0xffff)
    .toString(16)
    .padStart(4, '0');
  const base = prefix ?? `sim-${seed}-${tag}`;
  const counts = FAULT_KINDS.map((k) => ({ k, n: rates[k] > 0 ? Math.max(1, Math.round(rates[k] * jobs)) : 0 }));
  // too few jobs for every kind: keep the most likely ones
  while (counts.reduce((s, c) => s + c.n, 0) > jobs) {
    const largest = counts.filter((c) => c.n > 0).sort((a, b) => rates[a.k] * jobs - a.n - (rates[b.k] * jobs - b.n))[0];
    largest.n--;
  }
  const faults: (FaultKind | null)[] = [];
  for (const c of counts) for (let i = 0; i < c.n; i++) faults.push(c.k);
  while (faults.length < jobs) faults.push(null);
  for (let i = faults.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [faults[i], faults[j]] = [faults[j], faults[i]];
  }
  const width = String(jobs).length;
  return faults.map((fault, i) => {
    const plan: JobPlan = { jobId: `${base}-${String(i + 1).padStart(width, '0')}`, fault };
    if (fault === 'fetch_failed') plan.phase = (['context', 'upload', 'complete'] as const)[Math.floor(rnd() * 3)];
    if (fault === 'fetch_failed_hard') plan.phase = (['context', 'upload'] as const)[Math.floor(rnd() * 2)];
    return plan;
  });
}
