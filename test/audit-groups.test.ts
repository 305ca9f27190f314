import { createTranslator } from 'next-intl';
import { describe, expect, it } from 'vitest';
import { groupRefusals, refusalKind } from '@/components/audit/group-refusals';
import type { AuditEntry } from '@/components/lib/types';
import { messages } from '@/lib/i18n/messages';

let id = 100;
const entry = (action: string, address?: string): AuditEntry => ({
  id: id--,
  at: new Date(Date.UTC(2026, 10, 1, 12, 0, id)).toISOString(),
  actor: 'anonymous',
  actor_role: null,
  action,
  target: null,
  job_id: null,
  output_hash: null,
  details: address ? { address } : {},
  prev_hash: 'p',
  hash: 'h',
});

describe('groupRefusals: the audit page folds repeated refusals', () => {
  it('groups consecutive entries of the same refusal action and address, and nothing else', () => {
    const rows = groupRefusals([
      ...Array.from({ length: 24 }, () => entry('login.refused', '127.0.0.1')),
      entry('login.refused', '10.0.0.2'),
      entry('access.unauthenticated', '10.0.0.2'),
      entry('access.unauthenticated', '10.0.0.2'),
      entry('rules.update'),
      entry('incident.acknowledged'),
      entry('incident.acknowledged'),
      entry('login.refused', '127.0.0.1'),
      entry('login.refused'),
      entry('login.refused'),
    ]);
    // the row's words, as the page says them (audit.groupSummary)
    const t = createTranslator({ locale: 'en', messages: messages.en, namespace: 'audit' });
    const summary = (g: { action: string; address: string; entries: unknown[] }) => t('groupSummary', { kind: refusalKind(g.action), count: g.entries.length, action: g.action, address: g.address });
    expect(rows.map((r) => (r.kind === 'group' ? summary(r) : r.entry.action))).toEqual([
      '24 refused sign-ins from 127.0.0.1',
      'login.refused',
      '2 unauthenticated calls from 10.0.0.2',
      'rules.update',
      'incident.acknowledged',
      'incident.acknowledged',
      'login.refused',
      'login.refused',
      'login.refused',
    ]);
  });

  it('names what a group holds: sign-ins, calls, or the action itself', () => {
    const t = createTranslator({ locale: 'en', messages: messages.en, namespace: 'audit' });
    expect(t('groupSummary', { kind: refusalKind('access.forbidden'), count: 1, action: 'access.forbidden', address: '::1' })).toBe('1 forbidden call from ::1');
    expect(t('groupSummary', { kind: refusalKind('lease.refused'), count: 3, action: 'lease.refused', address: '10.0.0.9' })).toBe('3 lease.refused entries from 10.0.0.9');
  });

  it('keeps every entry, in order, inside its group', () => {
    const list = [entry('access.forbidden', '::1'), entry('access.forbidden', '::1'), entry('access.forbidden', '::1')];
    const [g] = groupRefusals(list);
    expect(g.kind === 'group' && g.entries.map((e) => e.id)).toEqual(list.map((e) => e.id));
  });
});
