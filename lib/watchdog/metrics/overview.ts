import { and, count, desc, eq, gte, inArray, isNull, sql } from 'drizzle-orm';
import { rowsOf } from '@/db/client';
import { apiTokens, artifactChecks, d30Decisions, helperEvents, incidentSignalCounts, incidents, leaseHistory, repairActions, ruleSets, users } from '@/db/schema';
import { type Signal, signals } from '@/lib/schemas/common';
import type { Milestone, MilestoneItem, Overview } from '@/lib/schemas/overview';
import { EVIDENCE_ROLES, type RiskLevel } from '@/lib/schemas/enums';
import type { Ctx } from '../context';
import { getCurrentRules, ruleParam } from '../rules';
import { composeText } from './english-text';

const DAY_MS = 24 * 3600 * 1000;
/** the window the gate pass rate is computed over */
export const GATE_WINDOW_DAYS = 7;
/** an active lease this long past its expiry (plus the grace) that is still unswept means the sweeper is not running */
export const SWEEP_LAG_TOLERANCE_S = 120;
/** D14 asks for real evidence of these three incident kinds */
export const D14_SIGNALS = ['fetch_failed', 'lease_expired', 'artifact_gate_fail'] as const satisfies readonly Signal[];

export type { Overview } from '@/lib/schemas/overview';

const iso = (v: Date | string | null | undefined): string | null => (v ? new Date(v).toISOString() : null);
const num = (v: unknown): number => Number(v ?? 0);

/**
 * An item's detail line: the English `detail` ("2026-03-01 10:00 UTC" times) composed from the message
 * `overview.detail.<key>` that `detail_message` carries for the page to say in the reader's language.
 */
function detailOf(key: string, values: Record<string, string | number> = {}): Pick<MilestoneItem, 'detail' | 'detail_message'> {
  const { text, message } = composeText('overview.detail', key, values);
  return { detail: text, detail_message: message };
}

function milestone(key: Milestone['key'], title: string, items: MilestoneItem[]): Milestone {
  return { key, title, done: items.every((i) => i.done), items, missing: items.filter((i) => !i.done).map((i) => `${i.label}: ${i.detail}`) };
}

/**
 * The fleet at a glance and the D1/D7/D14/D30 rollout progress, derived from the data alone.
 * Risk levels follow `riskLevel` in leases.ts: a live lease (active or swept to expired) is
 * near expiry inside the lease_near_expiry window, expired once past its expiry, stale once
 * past the queue_stuck grace.
 */
export async function getOverview(ctx: Ctx): Promise<Overview> {
  const { db, now } = ctx;
  const nowIso = now.toISOString();
  const dayAgo = new Date(now.getTime() - DAY_MS);
  const gateSince = new Date(now.getTime() - GATE_WINDOW_DAYS * DAY_MS);
  // only the lease statement needs the rules' thresholds: the others start at once, not after the rules' read
  const leaseRisk = async () => {
    const rules = await getCurrentRules(db);
    const withinMs = ruleParam(rules, 'lease_near_expiry', 'within_s') * 1000;
    const stuckGraceMs = ruleParam(rules, 'queue_stuck', 'grace_s') * 1000;
    const expiredGraceMs = ruleParam(rules, 'lease_expired', 'grace_s') * 1000;
    const nearIso = new Date(now.getTime() + withinMs).toISOString();
    const staleIso = new Date(now.getTime() - stuckGraceMs).toISOString();
    const overdueIso = new Date(now.getTime() - expiredGraceMs - SWEEP_LAG_TOLERANCE_S * 1000).toISOString();
    const res = await db.execute(sql`
      select
        count(*) filter (where lease_expires_at > ${nearIso}) as normal,
        count(*) filter (where lease_expires_at > ${nowIso} and lease_expires_at <= ${nearIso}) as near_expiry,
        count(*) filter (where lease_expires_at <= ${nowIso} and lease_expires_at >= ${staleIso}) as expired,
        count(*) filter (where lease_expires_at < ${staleIso}) as stale,
        count(*) filter (where state = 'active' and sweep_stage = 0 and lease_expires_at < ${overdueIso}) as overdue
      from job_leases where state in ('active', 'expired')`);
    return { rules, res };
  };

  const [{ rules, res: leaseRes }, incidentRows, approvalRow, gateRow, eventRow, ownerRule, userRows, tokenRow, anyCheck, sweepAction, sweepHistory, d14Rows, decision] = await Promise.all([
    leaseRisk(),
    db
      .select({
        signal: incidents.signal,
        n: count(),
        unacknowledged: sql<number>`count(*) filter (where ${incidents.acknowledgedAt} is null)`.mapWith(Number),
        oldest: sql<Date | string | null>`min(${incidents.detectedAt})`,
      })
      .from(incidents)
      .where(eq(incidents.status, 'open'))
      .groupBy(incidents.signal),
    db
      .select({ n: count(), oldest: sql<Date | string | null>`min(${repairActions.createdAt})` })
      .from(repairActions)
      .where(eq(repairActions.result, 'pending')),
    db
      .select({ n: count(), passed: sql<number>`count(*) filter (where ${artifactChecks.passed})`.mapWith(Number) })
      .from(artifactChecks)
      .where(gte(artifactChecks.checkedAt, gateSince)),
    db
      .select({
        n: count(),
        flagged: sql<number>`count(*) filter (where ${helperEvents.signal} is not null)`.mapWith(Number),
        failedExit: sql<number>`count(*) filter (where ${helperEvents.exitCode} is distinct from 0)`.mapWith(Number),
        last: sql<Date | string | null>`max(${helperEvents.receivedAt})`,
      })
      .from(helperEvents)
      .where(gte(helperEvents.receivedAt, dayAgo)),
    db.select().from(ruleSets).where(eq(ruleSets.updatedByRole, 'owner')).orderBy(desc(ruleSets.version)).limit(1),
    db.select({ role: users.role, n: count() }).from(users).groupBy(users.role),
    db
      .select({ n: count() })
      .from(apiTokens)
      .where(and(isNull(apiTokens.revokedAt), inArray(apiTokens.role, EVIDENCE_ROLES))),
    db.select({ at: artifactChecks.checkedAt, passed: artifactChecks.passed }).from(artifactChecks).orderBy(desc(artifactChecks.checkedAt)).limit(1),
    db.select({ at: repairActions.createdAt }).from(repairActions).where(eq(repairActions.requestedBy, 'system:sweep')).orderBy(desc(repairActions.createdAt)).limit(1),
    db.select({ at: leaseHistory.at }).from(leaseHistory).where(eq(leaseHistory.event, 'expired')).orderBy(desc(leaseHistory.at)).limit(1),
    // D14 from the per-signal rollup (0013), not a count of every incident ever opened
    db
      .select({
        signal: incidentSignalCounts.signal,
        n: sql<number>`sum(${incidentSignalCounts.incidents})`.mapWith(Number),
        first: sql<Date | string | null>`min(${incidentSignalCounts.firstDetectedAt})`,
      })
      .from(incidentSignalCounts)
      .where(inArray(incidentSignalCounts.signal, [...D14_SIGNALS]))
      .groupBy(incidentSignalCounts.signal),
    db.select().from(d30Decisions).orderBy(desc(d30Decisions.decidedAt)).limit(1),
  ]);

  const leaseRow = rowsOf<Record<string, unknown>>(leaseRes)[0] ?? {};
  const byRisk: Record<RiskLevel, number> = {
    normal: num(leaseRow.normal),
    near_expiry: num(leaseRow.near_expiry),
    expired: num(leaseRow.expired),
    stale: num(leaseRow.stale),
  };
  const overdue = num(leaseRow.overdue);

  const bySignal = Object.fromEntries(signals.map((s) => [s, 0])) as Record<Signal, number>;
  let oldestOpen: string | null = null;
  let unacknowledged = 0;
  for (const r of incidentRows) {
    unacknowledged += num(r.unacknowledged);
    if (r.signal in bySignal) bySignal[r.signal as Signal] = num(r.n);
    const o = iso(r.oldest);
    if (o && (!oldestOpen || o < oldestOpen)) oldestOpen = o;
  }

  const checks = num(gateRow[0]?.n);
  const passed = num(gateRow[0]?.passed);
  const events = eventRow[0];
  const roleCount = (role: string) => num(userRows.find((u) => u.role === role)?.n);

  // D1 — the owner confirmed the thresholds: a rule_sets version written by an owner.
  const confirmed = ownerRule[0];
  const d1 = milestone('D1', 'Thresholds agreed', [
    {
      key: 'rules_confirmed',
      label: 'Rules confirmed by the owner',
      done: Boolean(confirmed),
      ...(confirmed
        ? detailOf('rulesConfirmed', { version: confirmed.version, by: confirmed.updatedBy, at: iso(confirmed.updatedAt) ?? '' })
        : rules.version > 1
          ? detailOf('rulesDefaultsSince', { version: rules.version })
          : detailOf('rulesDefaults')),
    },
  ]);

  // D7 — console, runbook and acceptance checks live; evidence flowing.
  const sweepEvidence = [iso(sweepAction[0]?.at), iso(sweepHistory[0]?.at)].filter(Boolean).sort().pop() ?? null;
  const lastCheck = anyCheck[0];
  const d7 = milestone('D7', 'Console, runbook and checks live', [
    {
      key: 'console_accounts',
      label: 'Console accounts',
      done: roleCount('owner') > 0 && roleCount('supervisor') > 0,
      ...(roleCount('owner') > 0 && roleCount('supervisor') > 0
        ? detailOf('accounts', { owners: roleCount('owner'), supervisors: roleCount('supervisor') })
        : detailOf('accountsMissing', { missing: roleCount('owner') ? 'supervisor' : roleCount('supervisor') ? 'owner' : 'both' })),
    },
    {
      key: 'worker_credentials',
      label: 'Workers connected',
      done: num(tokenRow[0]?.n) > 0,
      ...(num(tokenRow[0]?.n) > 0 ? detailOf('tokens', { count: num(tokenRow[0]?.n) }) : detailOf('noTokens')),
    },
    {
      key: 'evidence_flowing',
      label: 'Evidence flowing',
      done: num(events?.n) > 0,
      ...(num(events?.n) > 0 ? detailOf('events', { count: num(events?.n), at: iso(events?.last) ?? '' }) : detailOf('noEvents')),
    },
    {
      key: 'artifact_checks',
      label: 'Acceptance checks live',
      done: Boolean(lastCheck),
      ...(lastCheck ? detailOf('artifactCheck', { result: lastCheck.passed ? 'passed' : 'failed', at: iso(lastCheck.at) ?? '' }) : detailOf('noArtifactCheck')),
    },
    {
      key: 'sweeps_running',
      label: 'Sweeps running',
      done: overdue === 0 && sweepEvidence !== null,
      ...(overdue > 0 ? detailOf('sweepsOverdue', { count: overdue, tolerance: SWEEP_LAG_TOLERANCE_S }) : sweepEvidence ? detailOf('sweepFinding', { at: sweepEvidence }) : detailOf('noSweepFinding')),
    },
  ]);

  // D14 — real incidents of the three kinds.
  const d14 = milestone(
    'D14',
    'Real evidence of three incident kinds',
    D14_SIGNALS.map((signal) => {
      const r = d14Rows.find((x) => x.signal === signal);
      const n = num(r?.n);
      return {
        key: signal,
        label: signal,
        done: n > 0,
        ...(n > 0 ? detailOf('incidents', { count: n, at: iso(r?.first) ?? '' }) : detailOf('noIncidents')),
      };
    }),
  );

  // D30 — a recorded decision.
  const d = decision[0];
  const d30 = milestone('D30', 'Decision recorded', [
    {
      key: 'decision',
      label: 'D30 decision',
      done: Boolean(d),
      ...(d ? detailOf('decision', { decision: d.decision, by: d.decidedBy, at: iso(d.decidedAt) ?? '' }) : detailOf('noDecision')),
    },
  ]);

  return {
    generated_at: nowIso,
    rule_version: rules.version,
    leases: { live_total: byRisk.normal + byRisk.near_expiry + byRisk.expired + byRisk.stale, by_risk: byRisk },
    incidents: { open_total: Object.values(bySignal).reduce((a, b) => a + b, 0), unacknowledged, by_signal: bySignal, oldest_open_at: oldestOpen },
    approvals: { pending: num(approvalRow[0]?.n), oldest_pending_at: iso(approvalRow[0]?.oldest) },
    gate: { window_days: GATE_WINDOW_DAYS, checks, passed, failed: checks - passed, pass_rate: checks ? passed / checks : null },
    events_24h: { total: num(events?.n), flagged: num(events?.flagged), failed_exit: num(events?.failedExit) },
    rollout: [d1, d7, d14, d30],
  };
}
