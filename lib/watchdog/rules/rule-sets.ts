import { desc, eq, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { ruleSets } from '@/db/schema';
import type { RuleInput } from '@/lib/schemas/admin';
import { type Signal, signals } from '@/lib/schemas/common';
import { auditCtx, storableJson } from '../audit';
import type { Ctx } from '../context';
import { validationFailed } from '../errors';
import { defaultRules, primaryParam, type Rule, type RuleParams, type RuleSet } from './rule-defaults';

export { defaultRules, findRule, primaryParam, type Rule, type RuleParams, type RuleSet, ruleParam } from './rule-defaults';

/** Bounds of each numeric param: [min, max]. A threshold must be positive except grace periods. */
const paramBounds: Record<string, [number, number]> = {
  timeout_s: [1, 3600],
  max_retries: [0, 5],
  retry_delay_s: [0, 600],
  within_s: [1, 86_400],
  grace_s: [0, 86_400],
  expected_status: [100, 599],
  min_files: [0, 50],
};

function toRuleSet(row: typeof ruleSets.$inferSelect): RuleSet {
  return {
    version: row.version,
    updated_at: row.updatedAt.toISOString(),
    updated_by: row.updatedBy,
    updated_by_role: row.updatedByRole,
    rules: row.rules as Rule[],
  };
}

export async function ensureDefaultRules(db: Db, now = new Date()): Promise<void> {
  await db
    .insert(ruleSets)
    .values({ version: 1, rules: defaultRules, updatedAt: now, updatedBy: 'system:defaults', updatedByRole: 'system' })
    .onConflictDoNothing();
}

export async function getCurrentRules(db: Db): Promise<RuleSet> {
  const [row] = await db.select().from(ruleSets).orderBy(desc(ruleSets.version)).limit(1);
  if (!row) return { version: 1, updated_at: new Date(0).toISOString(), updated_by: 'system:defaults', updated_by_role: 'system', rules: defaultRules };
  return toRuleSet(row);
}

const rulesCacheKey = Symbol.for('worker-watchdog.rules-cache');
type RulesCacheHolder = typeof globalThis & { [rulesCacheKey]?: WeakMap<object, RuleSet> };

function rulesCache(): WeakMap<object, RuleSet> {
  const g = globalThis as RulesCacheHolder;
  g[rulesCacheKey] ??= new WeakMap();
  return g[rulesCacheKey]!;
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
 * other: whichever of the two the caller changed wins. Unknown params and out-of-range values
 * are refused with field details.
 */
export function mergeRules(current: Rule[], input: RuleInput[]): Rule[] {
  const problems: { path: string; message: string }[] = [];
  // every signal that has a rule (in force or by default), in the order of lib/schemas/enums.ts
  const ruled = signals.filter((signal) => current.some((r) => r.signal === signal) || defaultRules.some((r) => r.signal === signal));
  input.forEach((r, idx) => {
    if (!ruled.includes(r.signal)) problems.push({ path: `rules.${idx}.signal`, message: `${r.signal} has no rule in this console yet` });
  });
  const next = ruled.map((signal) => {
    const base = current.find((r) => r.signal === signal) ?? defaultRules.find((r) => r.signal === signal)!;
    const idx = input.findIndex((r) => r.signal === signal);
    if (idx < 0) return base;
    const change = input[idx];
    const defaults = defaultRules.find((r) => r.signal === signal)!;
    const params: RuleParams = { ...base.params };
    for (const [key, value] of Object.entries(change.params ?? {})) {
      if (!(key in defaults.params)) {
        problems.push({ path: `rules.${idx}.params.${key}`, message: `unknown param for ${signal}` });
        continue;
      }
      params[key] = value;
    }
    const primary = primaryParam[signal];
    const paramGiven = change.params?.[primary] !== undefined;
    const paramChanged = paramGiven && change.params![primary] !== base.params[primary];
    const thresholdChanged = change.threshold !== base.threshold;
    if (paramChanged && thresholdChanged && change.params![primary] !== change.threshold) {
      problems.push({ path: `rules.${idx}.params.${primary}`, message: `${primary} mirrors threshold: give one value (threshold ${change.threshold}, ${primary} ${String(change.params![primary])})` });
    }
    const threshold = paramChanged && !thresholdChanged ? (params[primary] as number) : change.threshold;
    params[primary] = threshold;
    for (const [key, value] of Object.entries(params)) {
      const bounds = paramBounds[key];
      if (!bounds) continue;
      const path = key === primary ? `rules.${idx}.threshold` : `rules.${idx}.params.${key}`;
      if (typeof value !== 'number' || !Number.isFinite(value)) problems.push({ path, message: 'must be a number' });
      else if (value < bounds[0] || value > bounds[1]) problems.push({ path, message: `must be between ${bounds[0]} and ${bounds[1]}` });
    }
    return {
      signal,
      threshold,
      auto_repair: change.auto_repair ?? base.auto_repair,
      escalate: change.escalate ?? base.escalate,
      params,
    };
  });
  if (problems.length) throw validationFailed(problems, 'rules are not valid');
  return storableJson(next);
}

/** Owner PUT: a new version, the old ones kept, the change audited in the same transaction. */
export async function updateRules(ctx: Ctx, input: RuleInput[], note?: string): Promise<RuleSet> {
  return ctx.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(7265003)`);
    const current = await getCurrentRules(tx);
    const rules = mergeRules(current.rules, input);
    const version = current.version + 1;
    const [row] = await tx
      .insert(ruleSets)
      .values({ version, rules, updatedAt: ctx.now, updatedBy: ctx.actor.label, updatedByRole: ctx.actor.role })
      .returning();
    const changed = rules
      .map((r) => ({ signal: r.signal, before: current.rules.find((c) => c.signal === r.signal), after: r }))
      .filter((c) => JSON.stringify(c.before) !== JSON.stringify(c.after))
      .map((c) => ({ signal: c.signal, threshold_before: c.before?.threshold ?? null, threshold_after: c.after.threshold }));
    await auditCtx(ctx, { action: 'rules.update', target: `rules:v${version}`, details: { version, previous_version: current.version, changed, note: note ?? null } }, tx);
    return toRuleSet(row);
  });
}

export async function getRuleVersion(db: Db, version: number): Promise<RuleSet | null> {
  const [row] = await db.select().from(ruleSets).where(eq(ruleSets.version, version));
  return row ? toRuleSet(row) : null;
}
