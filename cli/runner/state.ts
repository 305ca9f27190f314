import fs from 'node:fs';
import path from 'node:path';
import { defaultRules, type RuleSet } from '@/lib/watchdog/rules/portable';
import { readJsonFile, writeFileAtomic } from './files';
import type { ConsoleClient } from './http';

export interface LoadedRules {
  rules: RuleSet;
  source: 'console' | 'cache' | 'defaults';
}

export const builtinRules: RuleSet = {
  version: 1,
  updated_at: new Date(0).toISOString(),
  updated_by: 'system:defaults',
  updated_by_role: 'system',
  rules: defaultRules,
};

function isRuleSet(v: unknown): v is RuleSet {
  const r = v as RuleSet | null;
  return !!r && typeof r.version === 'number' && Array.isArray(r.rules) && r.rules.every((x) => x && typeof x.signal === 'string' && typeof x.params === 'object');
}

/**
 * The rules from `GET /api/watchdog/rules`, cached on disk; the cache (or the version-1
 * defaults) when the console cannot be reached. The cache is rewritten only when the version changes.
 */
export async function loadRules(client: ConsoleClient, stateDir: string): Promise<LoadedRules> {
  const file = path.join(stateDir, 'rules.json');
  const r = await client.get<RuleSet>('/api/watchdog/rules');
  const cached = () => readJsonFile<RuleSet>(file);
  if (r.kind === 'ok' && isRuleSet(r.body)) {
    const old = cached();
    if (!old || old.version !== r.body.version || old.updated_at !== r.body.updated_at) {
      try {
        writeFileAtomic(file, JSON.stringify(r.body) + '\n');
      } catch {
        /* a cache only */
      }
    }
    return { rules: r.body, source: 'console' };
  }
  const old = cached();
  if (old && isRuleSet(old)) return { rules: old, source: 'cache' };
  return { rules: builtinRules, source: 'defaults' };
}

/** What the runner remembers of a lease it holds: the fencing token the complete gate needs. */
export interface LeaseState {
  job_id: string;
  worker_id: string;
  fencing_token: number;
  lease_expires_at: string;
  saved_at: string;
}

function leaseFile(stateDir: string, jobId: string): string {
  return path.join(stateDir, 'leases', `${jobId}.json`);
}

export function readLeaseState(stateDir: string, jobId: string): LeaseState | null {
  const s = readJsonFile<LeaseState>(leaseFile(stateDir, jobId));
  return s && typeof s.fencing_token === 'number' && s.job_id === jobId ? s : null;
}

export function writeLeaseState(stateDir: string, state: Omit<LeaseState, 'saved_at'>): void {
  writeFileAtomic(leaseFile(stateDir, state.job_id), JSON.stringify({ ...state, saved_at: new Date().toISOString() }) + '\n');
}

export function removeLeaseState(stateDir: string, jobId: string): void {
  try {
    fs.unlinkSync(leaseFile(stateDir, jobId));
  } catch {
    /* gone already */
  }
}
