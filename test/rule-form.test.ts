import { describe, expect, it } from 'vitest';
import { problemOf, validateDraft } from '@/components/rules/rule-form';
import type { Rule } from '@/components/lib/types';

/** A rule as GET /api/watchdog/rules answers it, with only what the form reads. */
const rule = (signal: Rule['signal'], params: Rule['params']): Rule => ({ signal, params, threshold: 0, enabled: true, auto_repair: '', escalate: '' }) as unknown as Rule;

describe('rule form problems', () => {
  it("reads every message of lib/schemas/rules.ts back into a key the page words in the reader's language", () => {
    const rules = [rule('claim_no_output', { timeout_s: 30, max_retries: 1, severity: 'warning' }), rule('artifact_gate_fail', { expected_status: 200, min_files: 1, severity: 'warning' })];
    const errors = validateDraft(rules, {
      claim_no_output: { params: { timeout_s: '0', max_retries: '9' }, severity: 'warning', enabled: true },
      artifact_gate_fail: { params: { expected_status: 'ok', min_files: '1.5' }, severity: 'warning', enabled: true },
    });
    expect(errors.claim_no_output).toEqual({ timeout_s: { key: 'atLeast', limit: 1 }, max_retries: { key: 'atMost', limit: 5 } });
    expect(errors.artifact_gate_fail.expected_status).toEqual({ key: 'notNumber' });
    expect(errors.artifact_gate_fail.min_files).toEqual({ key: 'notWhole' });
    // an emptied field asks for a number rather than quoting the schema
    const empty = validateDraft(rules.slice(0, 1), { claim_no_output: { params: { timeout_s: ' ', max_retries: '1' }, severity: 'warning', enabled: true } });
    expect(empty.claim_no_output).toEqual({ timeout_s: { key: 'enterNumber' } });
  });

  it('keeps a message it does not know as text, capitalised', () => {
    expect(problemOf('unknown param for fetch_failed')).toEqual({ key: 'unknownParam', signal: 'fetch_failed' });
    expect(problemOf('something new')).toEqual({ key: 'other', text: 'Something new' });
  });
});
