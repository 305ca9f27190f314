import type { AuditEntry } from '@/components/lib/types';

/** A run of the same refusal from the same address, shown as one row ("24 refused sign-ins from 127.0.0.1"). */
export interface RefusalGroup {
  kind: 'group';
  key: string;
  action: string;
  address: string;
  entries: AuditEntry[];
}

export type AuditRow = { kind: 'entry'; entry: AuditEntry } | RefusalGroup;

/** Entries that say "someone was turned away": refused sign-ins and calls, refused leases and completions. */
export function isRefusal(action: string): boolean {
  return action.startsWith('access.') || action.endsWith('.refused');
}

function addressOf(e: AuditEntry): string | null {
  const a = e.details.address;
  return typeof a === 'string' && a ? a : null;
}

/** What a refusal group holds, for its words (the `audit` messages' `groupSummary` select): sign-ins, calls, or other entries. */
export type RefusalKind = 'signIn' | 'unauthenticated' | 'forbidden' | 'other';

export function refusalKind(action: string): RefusalKind {
  switch (action) {
    case 'login.refused':
      return 'signIn';
    case 'access.unauthenticated':
      return 'unauthenticated';
    case 'access.forbidden':
      return 'forbidden';
    default:
      return 'other';
  }
}

/**
 * Folds consecutive entries (in the order shown, newest first) of the same refusal action from the same
 * client address into one group; a refusal that stands alone, and every other entry, stays a row of its own.
 */
export function groupRefusals(entries: AuditEntry[]): AuditRow[] {
  const rows: AuditRow[] = [];
  for (const entry of entries) {
    const address = addressOf(entry);
    const last = rows[rows.length - 1];
    if (address && isRefusal(entry.action)) {
      if (last?.kind === 'group' && last.action === entry.action && last.address === address) {
        last.entries.push(entry);
        continue;
      }
      if (last?.kind === 'entry' && last.entry.action === entry.action && addressOf(last.entry) === address) {
        rows[rows.length - 1] = { kind: 'group', key: `g${last.entry.id}`, action: entry.action, address, entries: [last.entry, entry] };
        continue;
      }
    }
    rows.push({ kind: 'entry', entry });
  }
  return rows;
}
