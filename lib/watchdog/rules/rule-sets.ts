import { desc, eq, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { ruleSets } from '@/db/schema';
import type { RuleInput } from '@/lib/schemas/admin';
import type { RulesPreviewSummary } from '@/lib/schemas/metrics';
import { type Signal, signals } from '@/lib/schemas/common';
import { ruleParamProblems } from '@/lib/schemas/rules';
import { appendAudit, auditCtx, storableJson } from '../audit';
import { type Ctx, systemActor } from '../context';
import { validationFailed } from '../errors';
import { defaultRule, defaultRules, fleetSignals, normalizeRule, primaryParam, type Rule, type RuleParams, type RuleSet } from './rule-defaults';
import { currentRuntime } from '../runtime';

export { defaultRules, type Rule, type RuleSet, ruleParam } from './rule-defaults';

function toRuleSet(row: typeof ruleSets.$inferSelect): RuleSet {
  return {
    version: row.version,
    updated_at: row.updatedAt.toISOString(),
    updated_by: row.updatedBy,
    updated_by_role: row.updatedByRole,
    rules: (row.rules as (Partial<Rule> & { signal: Signal })[]).filter((r) => signals.includes(r.signal)).map(normalizeRule),
  };
}

/**
 * At start: version 1 (the defaults) on an empty database; on a database whose rules in force lack a
 * signal of the defaults (written before API.md part 2), a new version with the missing rules added at
 * their defaults, `updated_by: "system"`, audited. Serialized with rule changes by their advisory lock,
 * so N instances starting at once add the version once.
 */
export async function ensureDefaultRules(db: Db, now = new Date()): Promise<void> {
  await db.insert(ruleSets).values({ version: 1, rules: defaultRules, updatedAt: now, updatedBy: 'system:defaults', updatedByRole: 'system' }).onConflictDoNothing();
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(7265003)`);
    const [row] = await tx.select().from(ruleSets).orderBy(desc(ruleSets.version)).limit(1);
    const stored = (row?.rules ?? []) as { signal: string }[];
    const missing = signals.filter((signal) => !stored.some((r) => r.signal === signal));
    if (!row || !missing.length) return;
    const current = toRuleSet(row);
    const rules = storableJson(signals.map((signal) => current.rules.find((r) => r.signal === signal) ?? defaultRule(signal)));
    const version = current.version + 1;
    await tx.insert(ruleSets).values({ version, rules, updatedAt: now, updatedBy: 'system', updatedByRole: 'system' });
    await appendAudit(tx, systemActor, now, {
      action: 'rules.defaults_added',
      target: `rules:v${version}`,
      details: { version, previous_version: current.version, added: missing, new_signals: fleetSignals.filter((s) => missing.includes(s)) },
    });
  });
}

export async function getCurrentRules(db: Db): Promise<RuleSet> {
  const [row] = await db.select().from(ruleSets).orderBy(desc(ruleSets.version)).limit(1);
  if (!row) return { version: 1, updated_at: new Date(0).toISOString(), updated_by: 'system:defaults', updated_by_role: 'system', rules: defaultRules };
  return toRuleSet(row);
}

function rulesCache(): WeakMap<object, RuleSet> {
  return currentRuntime().caches.rules;
}

/**
 * The rules this process last read from `db`, without a query. A hint only: whoever classifies with
 * it must prove it is still current in the statement that stores the result (`rules_version_sql`
 * compared with the version used) and call `refreshRules` when it is not — so classification always
 * uses the version in force when the event is stored, across instances, without a read per event.
 */
export async function cachedRules(db: Db): Promise<RuleSet> {
  return rulesCache().get(db) ?? refreshRules(db);
}

/** Reads the current rules and remembers them for `cachedRules`. */
export async function refreshRules(db: Db): Promise<RuleSet> {
  const rules = await getCurrentRules(db);
  rulesCache().set(db, rules);
  return rules;
}

/** SQL for the version in force, as stored (version 1 = the defaults when no row exists yet). */
export const currentRulesVersionSql = sql`(select coalesce(max(version), 1) from rule_sets)`;

export async function listRuleVersions(db: Db, limit = 50): Promise<RuleSet[]> {
  const rows = await db.select().from(ruleSets).orderBy(desc(ruleSets.version)).limit(limit);
  return rows.map(toRuleSet);
}

/**
 * Merges a PUT into the current rules. `threshold` and the signal's primary param mirror each
 * other: whichever of the two the caller changed wins. Each rule's merged params are checked by its
 * schema in lib/schemas/rules.ts (the rules page checks with the same one); a problem names the
 * signal and the field, and nothing is stored.
 */
export function mergeRules(current: Rule[], input: RuleInput[]): Rule[] {
  const problems: { path: string; message: string; signal: Signal }[] = [];
  const next = signals.map((signal) => {
    const base = current.find((r) => r.signal === signal) ?? defaultRule(signal);
    const idx = input.findIndex((r) => r.signal === signal);
    if (idx < 0) return base;
    const change = input[idx];
    const params: RuleParams = { ...base.params, ...(change.params ?? {}) };
    const primary = primaryParam[signal];
    const paramGiven = change.params?.[primary] !== undefined;
    const paramChanged = paramGiven && change.params![primary] !== base.params[primary];
    const thresholdChanged = change.threshold !== base.threshold;
    if (paramChanged && thresholdChanged && change.params![primary] !== change.threshold) {
      problems.push({
        signal,
        path: `rules.${idx}.params.${primary}`,
        message: `${signal}: ${primary} mirrors threshold: give one value (threshold ${change.threshold}, ${primary} ${String(change.params![primary])})`,
      });
    }
    const threshold = paramChanged && !thresholdChanged ? params[primary] : change.threshold;
    params[primary] = threshold;
    for (const p of ruleParamProblems(signal, params)) {
      // the primary param is reported where the caller gave it: threshold, or params.<name>
      const path = p.param === primary && !(paramChanged && !thresholdChanged) ? `rules.${idx}.threshold` : `rules.${idx}.params.${p.param}`;
      problems.push({ signal, path, message: `${signal}: ${p.param} ${p.message}` });
    }
    return {
      signal,
      threshold: typeof threshold === 'number' ? threshold : base.threshold,
      auto_repair: change.auto_repair ?? base.auto_repair,
      escalate: change.escalate ?? base.escalate,
      enabled: change.enabled ?? base.enabled,
      params,
    };
  });
  if (problems.length) throw validationFailed(problems, `rules are not valid: ${[...new Set(problems.map((p) => p.signal))].join(', ')}`);
  return storableJson(next);
}

/** Same rules, field by field (the order of params aside). */
export function sameRules(a: Rule[], b: Rule[]): boolean {
  const canon = (rules: Rule[]) =>
    JSON.stringify([...rules].sort((x, y) => (x.signal < y.signal ? -1 : 1)).map((r) => ({ ...r, params: Object.fromEntries(Object.entries(r.params).sort(([x], [y]) => (x < y ? -1 : 1))) })));
  return canon(a) === canon(b);
}

/**
 * Owner PUT: a new version, the old ones kept, the change audited in the same transaction. `preview`:
 * the summary of the preview the owner ran on this draft (figures before and after, changes_total),
 * kept in the audit entry so the version records what its publisher saw.
 */
export async function updateRules(ctx: Ctx, input: RuleInput[], note?: string, preview?: RulesPreviewSummary): Promise<RuleSet> {
  return ctx.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(7265003)`);
    const current = await getCurrentRules(tx);
    const rules = mergeRules(current.rules, input);
    // nothing changed: the version in force answers, and no version is created
    if (sameRules(rules, current.rules)) return current;
    const version = current.version + 1;
    const [row] = await tx.insert(ruleSets).values({ version, rules, updatedAt: ctx.now, updatedBy: ctx.actor.label, updatedByRole: ctx.actor.role }).returning();
    const changed = rules
      .map((r) => ({ signal: r.signal, before: current.rules.find((c) => c.signal === r.signal), after: r }))
      .filter((c) => JSON.stringify(c.before) !== JSON.stringify(c.after))
      .map((c) => ({
        signal: c.signal,
        threshold_before: c.before?.threshold ?? null,
        threshold_after: c.after.threshold,
        ...(c.before?.enabled !== c.after.enabled ? { enabled_before: c.before?.enabled ?? null, enabled_after: c.after.enabled } : {}),
        ...(c.before?.params.severity !== c.after.params.severity ? { severity_before: c.before?.params.severity ?? null, severity_after: c.after.params.severity } : {}),
      }));
    await auditCtx(ctx, { action: 'rules.update', target: `rules:v${version}`, details: { version, previous_version: current.version, changed, note: note ?? null, preview: preview ?? null } }, tx);
    return toRuleSet(row);
  });
}

export async function getRuleVersion(db: Db, version: number): Promise<RuleSet | null> {
  const [row] = await db.select().from(ruleSets).where(eq(ruleSets.version, version));
  return row ? toRuleSet(row) : null;
}
