import { describe, expect, it } from 'vitest';
import type { Phase } from '@/lib/schemas/common';
import { classifyHelperEvent, detectSignal, hasJsonOutput, inferPhase, showsFetchFailure } from '@/lib/watchdog/rules';
import { defaultRules, mergeRules, type RuleSet } from '@/lib/watchdog/rules';

const v1: RuleSet = { version: 1, updated_at: '', updated_by: 'test', updated_by_role: 'system', rules: defaultRules };

interface Case {
  name: string;
  command: string;
  phase?: Phase;
  exit_code?: number;
  output?: string;
  error_code?: string;
  duration_ms?: number;
  signal: 'fetch_failed' | 'claim_no_output' | null;
}

const fetchFailures: Case[] = [
  { name: 'the classic transient', command: 'pls context 42', output: '500 TypeError: fetch failed', signal: 'fetch_failed' },
  {
    name: 'undici stack trace',
    command: 'pls progress 42',
    output: 'TypeError: fetch failed\n    at node:internal/deps/undici/undici:13502:13\n  [cause]: Error: other side closed',
    signal: 'fetch_failed',
  },
  { name: 'error_code INTERNAL_ERROR, no output', command: 'pls upload-files 42', error_code: 'INTERNAL_ERROR', output: '', signal: 'fetch_failed' },
  { name: 'error_code in lower case', command: 'pls complete 42', error_code: 'internal_error', signal: 'fetch_failed' },
  { name: 'error_code HTTP_500', command: 'pls context 42', error_code: 'HTTP_500', signal: 'fetch_failed' },
  { name: 'error_code that is the message', command: 'pls context 42', error_code: 'TypeError: fetch failed', signal: 'fetch_failed' },
  { name: 'JSON error body with code', command: 'pls context 42', output: '{"error":{"code":"INTERNAL_ERROR","message":"database timeout"}}', signal: 'fetch_failed' },
  { name: 'JSON status 500', command: 'pls progress 42', output: '{"status":500,"error":"Internal Server Error"}', signal: 'fetch_failed' },
  { name: 'JSON statusCode 500 only', command: 'pls progress 42', output: '{"statusCode": 500}', signal: 'fetch_failed' },
  { name: 'HTTP/1.1 status line', command: 'pls upload-files 42', output: 'HTTP/1.1 500 Internal Server Error\ncontent-length: 0', signal: 'fetch_failed' },
  { name: 'HTTP 500 in prose', command: 'pls complete 42', output: 'error: the server answered HTTP 500 (attempt 1 of 1)', signal: 'fetch_failed' },
  { name: 'axios style', command: 'pls context 42', output: 'AxiosError: Request failed with status code 500', signal: 'fetch_failed' },
  { name: 'responded with', command: 'pls upload-files 42', output: 'upload of part 3 failed: server responded with 500', signal: 'fetch_failed' },
  { name: 'HTTP Error 500:', command: 'pls context 42', output: 'urllib.error.HTTPError: HTTP Error 500: Internal Server Error', signal: 'fetch_failed' },
  { name: 'Error 500', command: 'pls progress 42', output: 'Error 500 while posting progress', signal: 'fetch_failed' },
  { name: 'phase given, command opaque', command: './helper.sh', phase: 'upload', output: '500 Internal Server Error', signal: 'fetch_failed' },
  { name: 'exit 0 but the body says fetch failed', command: 'pls context 42', exit_code: 0, output: 'warning: TypeError: fetch failed', signal: 'fetch_failed' },
];

const fetchTraps: Case[] = [
  { name: 'a count of files', command: 'pls upload-files 42', exit_code: 0, output: 'uploaded 500 files', signal: null },
  { name: 'a count with status word', command: 'pls upload-files 42', exit_code: 0, output: 'status: 500 files uploaded, 0 failed', signal: null },
  { name: 'progress fraction', command: 'pls progress 42', exit_code: 0, output: 'progress 500/1000', signal: null },
  { name: 'milliseconds', command: 'pls context 42', exit_code: 0, output: 'fetched context in 500 ms', signal: null },
  { name: 'bytes after a 200', command: 'pls upload-files 42', exit_code: 0, output: 'HTTP/1.1 200 OK (500 bytes)', signal: null },
  { name: 'port 5000', command: 'pls context 42', exit_code: 0, output: 'connected to http://10.0.0.2:5000/api', signal: null },
  { name: 'status 5001', command: 'pls context 42', exit_code: 0, output: 'status: 5001', signal: null },
  { name: 'JSON counts', command: 'pls upload-files 42', exit_code: 0, output: '{"status":"ok","count":500,"limit":500}', signal: null },
  { name: 'JSON status 200 with size 500', command: 'pls upload-files 42', exit_code: 0, output: '{"status":200,"size":500}', signal: null },
  { name: 'a bare number', command: 'pls progress 42', exit_code: 0, output: '500', signal: null },
  { name: 'error counter', command: 'pls upload-files 42', exit_code: 0, output: 'errors: 0, uploaded: 500', signal: null },
  { name: 'INTERNAL_ERROR as part of a longer name', command: 'pls context 42', exit_code: 0, output: 'INTERNAL_ERRORS_TOTAL=0', signal: null },
  { name: 'prefetch failed is not fetch failed', command: 'pls context 42', exit_code: 0, output: 'prefetch-failed-count=0', signal: null },
  { name: 'Internal Server Errors counter', command: 'pls progress 42', exit_code: 0, output: 'Internal Server Errors: 0', signal: null },
  { name: 'a failed fetch in a phase that does not fetch', command: 'pls build 42', output: 'TypeError: fetch failed', signal: null },
  { name: 'a 500 in doctor', command: 'pls doctor', output: 'HTTP 500', signal: null },
  { name: 'a 500 in claim is not fetch_failed', command: 'pls claim', output: '{"error":"INTERNAL_ERROR"}', duration_ms: 200, signal: null },
  { name: 'healthy context', command: 'pls context 42', exit_code: 0, output: '{"job_id":"42","files":["a.ts"]}', signal: null },
  { name: 'non-zero exit without a 500', command: 'pls upload-files 42', exit_code: 2, output: 'ENOENT: no such file dist/app.zip', signal: null },
];

const claims: Case[] = [
  { name: 'runner killed a silent claim', command: 'pls claim', error_code: 'NO_OUTPUT_TIMEOUT', exit_code: 137, output: '', duration_ms: 30_000, signal: 'claim_no_output' },
  { name: 'NO_OUTPUT_TIMEOUT even when fast', command: 'pls claim', error_code: 'no_output_timeout', exit_code: 1, duration_ms: 10, signal: 'claim_no_output' },
  { name: 'slow with nothing printed', command: 'pls claim', exit_code: 0, output: '', duration_ms: 31_000, signal: 'claim_no_output' },
  { name: 'exactly the threshold, text only', command: 'pls claim', exit_code: 0, output: 'waiting for jobs...', duration_ms: 30_000, signal: 'claim_no_output' },
  { name: 'slow with broken JSON', command: 'pls claim', exit_code: 0, output: '{"job_id": "4', duration_ms: 45_000, signal: 'claim_no_output' },
  { name: 'slow but printed JSON', command: 'pls claim', exit_code: 0, output: '{"job_id":"42"}', duration_ms: 45_000, signal: null },
  { name: 'slow, log lines then JSON', command: 'pls claim', exit_code: 0, output: 'claiming...\n{"job_id":"42"}\n', duration_ms: 45_000, signal: null },
  { name: 'fast and silent (below the threshold)', command: 'pls claim', exit_code: 0, output: '', duration_ms: 29_999, signal: null },
  { name: 'no duration reported', command: 'pls claim', exit_code: 0, output: '', signal: null },
  { name: 'claim named by phase, opaque command', command: 'bin/queue-claim', phase: 'claim', exit_code: 0, output: '', duration_ms: 60_000, signal: 'claim_no_output' },
  { name: 'a timeout code on another phase', command: 'pls context 42', error_code: 'NO_OUTPUT_TIMEOUT', signal: null },
];

describe('classify: realistic helper outputs', () => {
  it.each([...fetchFailures, ...fetchTraps, ...claims])('$name → $signal', (c) => {
    const event = { command: c.command, phase: c.phase, exit_code: c.exit_code ?? 1, output: c.output, error_code: c.error_code, duration_ms: c.duration_ms };
    expect(detectSignal(v1, event)).toBe(c.signal);
    const first = classifyHelperEvent(v1, event, 0);
    expect(first.signal).toBe(c.signal);
    expect(first.rule_version).toBe(1);
    if (c.signal === null) expect(first.suggested_actions).toEqual([]);
  });
});

describe('classify: repairs and escalation', () => {
  const fetchEvent = { command: 'pls context 42', exit_code: 1, output: '500 TypeError: fetch failed' };
  const claimEvent = { command: 'pls claim', exit_code: 137, error_code: 'NO_OUTPUT_TIMEOUT', duration_ms: 30_000 };

  it('a first fetch failure: touch, then retry after 3 s', () => {
    expect(classifyHelperEvent(v1, fetchEvent, 0)).toEqual({
      signal: 'fetch_failed',
      rule_version: 1,
      suggested_actions: [
        { action: 'touch', authority: 'system' },
        { action: 'retry', authority: 'system', delay_s: 3 },
      ],
      escalated: false,
    });
  });

  it('a first silent claim: touch, then retry (no delay)', () => {
    expect(classifyHelperEvent(v1, claimEvent, 0).suggested_actions).toEqual([
      { action: 'touch', authority: 'system' },
      { action: 'retry', authority: 'system' },
    ]);
  });

  it('the second failure escalates instead of retrying: needs_human for fetches, notify_owner for claims', () => {
    const f = classifyHelperEvent(v1, fetchEvent, 1);
    expect(f.escalated).toBe(true);
    expect(f.suggested_actions).toEqual([{ action: 'notify_owner', authority: 'system', escalation: 'needs_human' }]);
    expect(f.suggested_actions.some((a) => a.action === 'retry')).toBe(false);
    const c = classifyHelperEvent(v1, claimEvent, 1);
    expect(c.suggested_actions).toEqual([{ action: 'notify_owner', authority: 'system', escalation: 'notify_owner' }]);
    expect(classifyHelperEvent(v1, claimEvent, 5).escalated).toBe(true);
  });

  it('follows the rule set: a lower claim timeout and another retry delay', () => {
    const v2: RuleSet = {
      ...v1,
      version: 2,
      rules: mergeRules(defaultRules, [
        { signal: 'claim_no_output', threshold: 10 },
        { signal: 'fetch_failed', threshold: 3, params: { retry_delay_s: 7, max_retries: 2 } },
      ]),
    };
    const slowClaim = { command: 'pls claim', exit_code: 0, output: '', duration_ms: 12_000 };
    expect(classifyHelperEvent(v1, slowClaim, 0).signal).toBeNull();
    expect(classifyHelperEvent(v2, slowClaim, 0)).toMatchObject({ signal: 'claim_no_output', rule_version: 2 });
    expect(classifyHelperEvent(v2, fetchEvent, 0).suggested_actions[1]).toEqual({ action: 'retry', authority: 'system', delay_s: 7 });
    expect(classifyHelperEvent(v2, fetchEvent, 1).escalated).toBe(false);
    expect(classifyHelperEvent(v2, fetchEvent, 2).escalated).toBe(true);
  });

  it('with retry_delay_s 0 the retry has no delay_s', () => {
    const v3: RuleSet = { ...v1, version: 3, rules: mergeRules(defaultRules, [{ signal: 'fetch_failed', threshold: 0 }]) };
    expect(classifyHelperEvent(v3, fetchEvent, 0).suggested_actions[1]).toEqual({ action: 'retry', authority: 'system' });
  });
});

describe('classify: helpers', () => {
  it.each([
    ['pls upload-files 42', 'upload'],
    ['/usr/local/bin/pls context 42', 'context'],
    ['pls progress 42 --message "claim done"', 'progress'],
    ['pls progress 42 --message=claim', 'progress'],
    ['pls progress 42 --message claim done', 'progress'],
    ['pls touch 42 --before context', 'touch'],
    ["sh -c 'pls claim'", 'claim'],
    ['pls complete 42', 'complete'],
    ['pls --verbose touch 42', 'touch'],
    ['make all', null],
  ])('inferPhase(%s) = %s', (command, phase) => {
    expect(inferPhase({ command })).toBe(phase);
  });

  it('a reported phase wins over the command', () => {
    expect(inferPhase({ command: 'pls claim', phase: 'context' })).toBe('context');
  });

  it.each([
    ['{"a":1}', true],
    ['[1,2]', true],
    ['  {"a":1}\n', true],
    ['log line\n{"job_id":"1"}', true],
    ['{"a":', false],
    ['', false],
    ['null', false],
    ['42', false],
    ['{"a":1}\ntrailing text', false],
  ])('hasJsonOutput(%j) = %s', (text, expected) => {
    expect(hasJsonOutput(text)).toBe(expected);
  });

  it('showsFetchFailure reads error_code and output', () => {
    expect(showsFetchFailure(null, 'FETCH_FAILED')).toBe(true);
    expect(showsFetchFailure(null, 'E_TIMEOUT')).toBe(false);
    expect(showsFetchFailure('fine', null)).toBe(false);
  });
});
