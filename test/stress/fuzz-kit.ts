import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { rowsOf } from '@/db/client';
import { routeTable } from '@/lib/http/route-table';
import { hashOutput } from '@/lib/watchdog/hash';
import { api, inFuture } from '../helpers/http';
import { openRaw, seedAccess, startNextServer, tempDir, type TestServer } from '../helpers/test-server';

// @ts-expect-error plain .mjs helper shared with scripts/
import { createDatabase } from '../../scripts/pg-throwaway.mjs';

/**
 * Route fuzzing shared by the quick run in `npm test` (test/fuzz-routes.test.ts) and the large run
 * in `npm run test:stress` (test/stress/fuzz-routes-large.test.ts).
 *
 * Each database kind gets its OWN console (so "nothing written" is exact, not disturbed by other
 * test files). Part A feeds every route generated bad input — bodies of the wrong shape or type,
 * broken JSON, invalid UTF-8, NUL, nesting far past the 64-level cap, bodies over 1 MiB, wrong
 * content types, hostile headers, query strings and path segments, unknown/garbage/wrong-role
 * credentials, wrong methods — and requires every answer to be a non-5xx in the API.md error shape
 * (GETs may answer 200: they write nothing). The state of every table but the audit log is
 * fingerprinted before and after part A: it must not change. Part B sends well-formed bodies whose
 * free-text fields hold unicode edge cases (lone surrogates, RTL marks, emoji, combining marks,
 * noncharacters): never a 5xx, and an accepted helper event is idempotent when sent again.
 */

export interface FuzzFigures {
  server: string;
  cases: number;
  byStatus: Record<string, number>;
  fiveXx: number;
  byRoute: Record<string, number>;
  /** tables (all but the audit log) changed by part A's refused calls: must stay 0 */
  writes: number;
  /** fast-check seeds, one per property (FUZZ_SEED + index when FUZZ_SEED is set) */
  seeds: number[];
  durationMs: number;
}

const API_CODES = new Set([
  'invalid_json',
  'validation_failed',
  'unauthenticated',
  'forbidden',
  'not_found',
  'lease_conflict',
  'stale_fencing_token',
  'artifact_gate_failed',
  'idempotency_conflict',
  'already_decided',
  'payload_too_large',
  'output_hash_mismatch',
  'rate_limited',
  'method_not_allowed',
  'unsupported_media_type',
]);

type Role = 'system' | 'owner' | 'supervisor' | 'worker' | 'worker2';
/** what an invalid value of the field looks like (each kind's generator yields only values the schema refuses) */
type Kind = 'uuid' | 'id' | 'enum' | 'date' | 'int' | 'exitCode' | 'hash' | 'text' | 'str' | 'files' | 'array' | 'rules';

interface RouteSpec {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** path with one `{p}` placeholder for a path parameter, if any */
  path: string;
  roles: Role[];
  /** a valid body, built from the fixtures; absent for routes without a body */
  body?: (f: Fixtures) => Record<string, unknown>;
  /** fields of the body whose value the fuzzer replaces by an invalid one, and their kind */
  fields?: Record<string, Kind>;
  /** a valid path parameter */
  param?: (f: Fixtures) => string;
  queryKeys?: string[];
  /** body fields that may be left out (the fuzzer does not drop them: the body would still be valid) */
  optional?: string[];
  /** GETs write nothing, so a 200 is fine; a batch answers 200 with one error per element */
  may2xx?: boolean;
}

interface Fixtures {
  job: string;
  fencing: number;
  eventId: string;
  pendingActionId: string;
  tokenId: string;
}

/** What the fuzzer needs to know of a route beyond the route table: valid fixtures, the fields it breaks, who calls. */
const CASES: (Omit<RouteSpec, 'method' | 'path'> & Partial<Pick<RouteSpec, 'method' | 'path'>>)[] = [
  { name: 'GET /health', roles: ['owner'], may2xx: true, queryKeys: ['x'] },
  { name: 'GET /overview', roles: ['owner', 'supervisor'], may2xx: true },
  { name: 'GET /jobs', roles: ['owner', 'supervisor', 'system'], may2xx: true, queryKeys: ['q', 'limit', 'state', 'cursor'] },
  { name: 'GET /jobs/:job_id', roles: ['owner', 'worker', 'system'], param: (f) => f.job, may2xx: true },
  {
    name: 'POST /jobs/:job_id/complete',
    roles: ['worker', 'system'],
    param: (f) => f.job,
    body: (f) => ({ worker_id: 'w-1', fencing_token: f.fencing, output_hash: hashOutput('x') }),
    fields: { worker_id: 'id', fencing_token: 'int', output_hash: 'hash' },
    optional: ['output_hash'],
  },
  {
    name: 'PATCH /job-leases/:job_id',
    roles: ['worker', 'system'],
    param: (f) => f.job,
    body: (f) => ({ worker_id: 'w-1', lease_expires_at: inFuture(7200), fencing_token: f.fencing }),
    fields: { worker_id: 'id', lease_expires_at: 'date', fencing_token: 'int' },
    optional: ['fencing_token'],
  },
  { name: 'GET /job-leases/:job_id', roles: ['worker', 'system', 'owner'], param: (f) => f.job, may2xx: true },
  {
    name: 'POST /worker-runs',
    roles: ['worker', 'system'],
    body: (f) => ({ id: randomUUID(), worker_id: 'w-1', job_id: f.job, phase: 'build', status: 'ok', started_at: new Date().toISOString() }),
    fields: { id: 'uuid', worker_id: 'id', job_id: 'id', phase: 'enum', status: 'enum', started_at: 'date' },
  },
  {
    name: 'POST /helper-events',
    roles: ['worker', 'system'],
    body: (f) => ({ id: randomUUID(), job_id: f.job, worker_id: 'w-1', command: 'pls context', phase: 'context', exit_code: 0, output: 'ok', output_hash: hashOutput('ok') }),
    fields: { id: 'uuid', job_id: 'id', worker_id: 'id', command: 'text', exit_code: 'exitCode', output_hash: 'hash', phase: 'enum' },
    optional: ['phase'],
  },
  {
    name: 'POST /helper-events/batch',
    roles: ['worker', 'system'],
    body: (f) => ({ events: [{ id: randomUUID(), job_id: f.job, worker_id: 'w-1', command: 'c', exit_code: 0, output_hash: 'sha256:zz' }] }),
    fields: { events: 'array' },
    may2xx: true,
  },
  {
    name: 'POST /repair-actions',
    roles: ['supervisor', 'system', 'worker'],
    body: (f) => ({ job_id: f.job, trigger: 'fuzz', action: 'touch', authority: 'supervisor', result: 'success' }),
    fields: { job_id: 'id', trigger: 'text', action: 'enum', authority: 'enum', result: 'enum' },
    optional: ['result'],
  },
  { name: 'GET /repair-actions', roles: ['supervisor', 'owner', 'system'], may2xx: true, queryKeys: ['status', 'job_id', 'limit'] },
  {
    name: 'POST /repair-actions/:id/decision',
    roles: ['supervisor'],
    param: (f) => f.pendingActionId,
    body: () => ({ decision: 'reject', note: 'fuzz' }),
    fields: { decision: 'enum', note: 'str' },
    optional: ['note'],
  },
  {
    name: 'POST /artifact-checks',
    roles: ['worker', 'system'],
    body: (f) => ({ job_id: f.job, primary_url: 'http://127.0.0.1:1/a', files: [{ name: 'a' }], expected_file_count: 1 }),
    fields: { job_id: 'id', primary_url: 'str', files: 'files', expected_file_count: 'int' },
    optional: ['files', 'expected_file_count'],
  },
  { name: 'GET /incidents', roles: ['supervisor', 'owner', 'system'], may2xx: true, queryKeys: ['status', 'signal', 'job_id', 'limit'] },
  { name: 'GET /rules', roles: ['worker', 'owner'], may2xx: true },
  { name: 'GET /rules/versions', roles: ['owner'], may2xx: true },
  {
    name: 'PUT /rules',
    roles: ['owner'],
    body: () => ({ rules: [{ signal: 'lease_expired', threshold: 0, params: { grace_s: 0 } }], note: 'fuzz' }),
    fields: { rules: 'rules', note: 'str' },
    optional: ['note'],
  },
  {
    name: 'POST /rules/preview',
    roles: ['supervisor', 'owner'],
    may2xx: true,
    body: () => ({ rules: [{ signal: 'queue_stuck', threshold: 600 }], from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date().toISOString() }),
    fields: { rules: 'rules', from: 'date', to: 'date' },
    optional: ['from', 'to'],
  },
  // the sweep takes no body and writes when allowed: fuzzed with callers that may not run it
  { name: 'POST /sweep', roles: ['owner', 'worker'] },
  {
    name: 'POST /tokens',
    roles: ['owner'],
    body: () => ({ role: 'worker', worker_id: 'w-9', name: 'fuzz' }),
    fields: { role: 'enum', worker_id: 'id', name: 'text' },
    optional: ['worker_id'],
  },
  { name: 'GET /tokens', roles: ['owner'], may2xx: true },
  { name: 'DELETE /tokens/:id', roles: ['owner'], param: () => randomUUID() },
  { name: 'GET /audit', roles: ['owner', 'supervisor'], may2xx: true, queryKeys: ['cursor', 'limit', 'action', 'actor', 'from', 'to'] },
  // the live stream stays open when allowed (test/live-stream.test.ts reads it): fuzzed with the caller it refuses
  { name: 'GET /stream', roles: ['worker'] },
  { name: 'GET /audit/verify', roles: ['owner'], may2xx: true },
  { name: 'GET /metrics/d30', roles: ['owner', 'supervisor'], may2xx: true, queryKeys: ['from', 'to'] },
  { name: 'GET /metrics', roles: ['system', 'owner'], may2xx: true },
  // the decision writes when allowed: fuzzed with callers that may not take it
  { name: 'POST /metrics/d30/decision', roles: ['supervisor', 'worker'] },
  { name: 'POST /internal/admin', method: 'POST', path: '/api/internal/admin', roles: ['owner', 'system'], body: () => ({ command: 'token.list' }), fields: { command: 'str' } },
  { name: 'unknown /api path', method: 'POST', path: '/api/watchdog/{p}/nothing', roles: ['owner'], param: () => 'x', body: () => ({}), fields: {} },
];

/**
 * The routes fuzzed: method and path from the real route table (lib/http/route-table.ts), by name, with
 * the cases above; a table route without a case is fuzzed with owner credentials and no body. Two
 * cases are not in the table: the CLI's local admin channel and an unknown path.
 */
const ROUTES: RouteSpec[] = [
  ...routeTable.map((r): RouteSpec => {
    const c = CASES.find((c) => c.name === r.name);
    return { roles: ['owner'], may2xx: r.method === 'GET', ...c, name: r.name, method: r.method, path: r.path.replace(/\{\w+\}/, '{p}'), ...(r.params && !c?.param ? { param: () => 'x' } : {}) };
  }),
  ...CASES.filter((c): c is RouteSpec => !routeTable.some((r) => r.name === c.name) && c.method !== undefined && c.path !== undefined),
];

// ---------- generators ----------

/**
 * A filter that gives up instead of spinning. fast-check's `.filter` retries `while (true)` inside
 * the generator: a predicate that (almost) never holds spins the test process synchronously, so no
 * timer — not vitest's testTimeout, not fast-check's time limits — can ever fire. That is how the
 * fuzz run stalled: `printable.filter((s) => s.length > 12)` can never hold, because fast-check's
 * default size ('small') generates strings of at most 10 characters whatever `maxLength` says.
 */
const MAX_REJECTS = 1_000;
export function where<T>(arb: fc.Arbitrary<T>, predicate: (v: T) => boolean, what: string): fc.Arbitrary<T> {
  let rejected = 0;
  return arb.filter((v) => {
    if (predicate(v)) {
      rejected = 0;
      return true;
    }
    if (++rejected >= MAX_REJECTS) {
      rejected = 0;
      throw new Error(`fuzz-kit: generator "${what}" rejected ${MAX_REJECTS} values in a row: its filter (almost) never holds — generate what you need instead of filtering for it`);
    }
    return false;
  });
}

const printableChar = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));

/** lone surrogates → U+FFFD, as UTF-8 encoding does (String.prototype.toWellFormed, ES2024) */
const wellFormed = (s: string): string => (s as unknown as { toWellFormed(): string }).toWellFormed();

const printable = fc.string({ unit: printableChar, maxLength: 80 });
/** header-safe (latin1, no CR/LF/NUL) */
const headerValue = fc.string({
  unit: fc
    .integer({ min: 0x20, max: 0xfe })
    .map((c) => (c === 0x7f ? 0xff : c))
    .map((c) => String.fromCharCode(c)),
  maxLength: 300,
});

/** unicode edge cases: lone surrogates, BOM, RTL override, zero-width, combining marks, noncharacters, astral */
const nasty = fc.constantFrom(
  '\ud800',
  '\udfff',
  '\ufeff',
  '\u202e',
  '\u200b',
  'e\u0301\u0301\u0301',
  '\uffff',
  '\ufffe',
  '😀',
  '👩‍👩‍👧',
  '\u0000',
  '\u001b[31m',
  '%00',
  "'; drop table helper_events; --",
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '\\u0000',
  '𝕏'.repeat(300),
);
export const unicodeText = fc
  .array(fc.oneof(nasty, fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ unit: 'grapheme', maxLength: 20 })), { minLength: 1, maxLength: 6 })
  .map((parts) => parts.join(''));

// At most 2,000 levels: far past the server's 64, and within what the test's own JSON.stringify can
// serialise (tens of thousands of levels overflow its stack, and the failure report then stalls).
function nested(depth: number, leaf: unknown, kind: 'array' | 'object'): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = kind === 'array' ? [v] : { a: v };
  return v;
}
const deep = fc.tuple(fc.integer({ min: 65, max: 2_000 }), fc.constantFrom<'array' | 'object'>('array', 'object')).map(([d, k]) => {
  const v = nested(d, 1, k) as object;
  // reported as its depth, not printed level by level
  Object.defineProperty(v, fc.toStringMethod, { value: () => `<${k} nested ${d} deep>`, enumerable: false });
  return v;
});

const wrongType = fc.oneof(fc.constant(null), fc.boolean(), fc.double(), fc.array(fc.jsonValue(), { maxLength: 3 }), fc.dictionary(printable, fc.jsonValue(), { maxKeys: 3 }), deep);

const notUuid = fc.oneof(
  where(printable, (s) => !/^[0-9a-f-]{36}$/i.test(s), 'not a uuid'),
  unicodeText,
  wrongType,
);
const notIdentifier = fc.oneof(
  fc.constant(''),
  fc.constant('a'.repeat(201)),
  fc.string({ minLength: 1, maxLength: 40 }).map((s) => ` ${s}`),
  where(unicodeText, (s) => !/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/.test(s), 'not an identifier'),
  wrongType,
);
const notDate = fc.oneof(
  where(printable, (s) => Number.isNaN(Date.parse(s)) || !/T/.test(s), 'not a date'),
  fc.constantFrom('0000-01-01T00:00:00Z', '2026-13-45T99:99:99Z', '2026-01-01T00:00:00', '+275760-09-13T00:00:00.001Z', 'yesterday'),
  fc.integer(),
  wrongType,
);
const notIntOrNull = fc.oneof(
  fc.double({ noInteger: true }),
  // no small negatives: -1 is a valid exit code
  fc.constantFrom(1e300, -1e300, 2 ** 63, -(2 ** 63), Number.MAX_SAFE_INTEGER + 2, '1', '0x10'),
  printable,
  fc.array(fc.integer(), { maxLength: 2 }),
  deep,
);
const notInt = fc.oneof(notIntOrNull, fc.constant(null));
/** an exit code may be null (API.md: the command was killed before it exited), so null is not among the invalid ones */
const notExitCode = notIntOrNull;
const notHash = fc.oneof(
  where(printable, (s) => !/^sha256:[0-9a-f]{64}$/.test(s), 'not a hash'),
  fc.constant('sha256:' + 'A'.repeat(64)),
  wrongType,
);
const notEnum = fc.oneof(unicodeText, fc.string({ unit: printableChar, minLength: 13, maxLength: 80 }), fc.constantFrom('APPROVE', 'Touch', ' ok', 'pending\u0000'), wrongType);
const notText = fc.oneof(fc.constant(''), fc.constant('x'.repeat(70_000)), fc.constant('a\u0000b'), wrongType);
/** a free-text field (note, URL, command name) is refused as a non-string or past its length cap (at most 2,048 here) */
const notString = fc.oneof(fc.integer(), fc.constant('n'.repeat(3_000)), wrongType);
/** `files` (optional, up to 50 `{name, url?}`): an empty list is valid, so it is never generated */
const notFiles = fc.oneof(
  printable,
  fc.integer(),
  fc.constant(null),
  fc.array(fc.oneof(fc.integer(), printable, fc.constant(null)), { minLength: 1, maxLength: 3 }),
  fc.constant([{ name: '' }]),
  fc.constant([{ url: 'http://127.0.0.1:1/x' }]),
  fc.constant(Array.from({ length: 51 }, (_, i) => ({ name: `f${i}` }))),
  deep,
);
const notArray = fc.oneof(fc.constant([]), fc.constant(Array.from({ length: 501 }, () => ({}))), fc.dictionary(printable, fc.jsonValue(), { maxKeys: 2 }), printable, deep);
const notRules = fc.oneof(
  fc.constant([]),
  fc.array(fc.record({ signal: notEnum, threshold: fc.oneof(fc.double(), notInt) }), { minLength: 1, maxLength: 3 }),
  fc.constant([{ signal: 'lease_expired', threshold: 0, params: { grace_s: nested(200, 1, 'object') } }]),
  fc.constant([{ signal: 'lease_expired', threshold: 0, params: { ['k'.repeat(60)]: 1 } }]),
  fc.constant([{ signal: 'lease_expired', threshold: Infinity }]),
  fc.constant([
    { signal: 'lease_expired', threshold: 0 },
    { signal: 'lease_expired', threshold: 1 },
  ]),
  wrongType,
);
const invalidValue: Record<Kind, fc.Arbitrary<unknown>> = {
  uuid: notUuid,
  id: notIdentifier,
  enum: notEnum,
  date: notDate,
  int: notInt,
  exitCode: notExitCode,
  hash: notHash,
  text: notText,
  str: notString,
  files: notFiles,
  array: notArray,
  rules: notRules,
};

/** raw bytes of a body that can never pass the route's schema */
type FuzzBody = { bytes: Buffer; why: string };
/** a body that fast-check reports by its reason and first bytes (a 1 MiB buffer printed in full would stall the run) */
function fuzzBody(bytes: Buffer, why: string): FuzzBody {
  const body = { why, [fc.toStringMethod]: () => `${why}: ${JSON.stringify(bytes.subarray(0, 160).toString('latin1'))}${bytes.length > 160 ? `… (${bytes.length} bytes)` : ''}` };
  // not enumerable: a failure report (fast-check's, then vitest's error serialization) must not walk a 1 MiB buffer
  Object.defineProperty(body, 'bytes', { value: bytes, enumerable: false });
  return body as unknown as FuzzBody;
}

function invalidBody(spec: RouteSpec, f: Fixtures): fc.Arbitrary<FuzzBody> {
  const json = (v: unknown, why: string) => fuzzBody(Buffer.from(JSON.stringify(v) ?? 'undefined'), why);
  const template = spec.body?.(f) ?? {};
  const fieldNames = Object.keys(spec.fields ?? {});
  const required = fieldNames.filter((k) => !spec.optional?.includes(k));
  const options: fc.Arbitrary<FuzzBody>[] = [
    where(
      fc.string({ maxLength: 200 }),
      (s) => {
        try {
          JSON.parse(s);
          return false;
        } catch {
          return true;
        }
      },
      'not JSON',
    ).map((s) => fuzzBody(Buffer.from(s), 'not JSON')),
    fc.oneof(fc.constant(null), fc.integer(), fc.string(), fc.array(fc.jsonValue(), { maxLength: 4 }), fc.boolean()).map((v) => json(v, 'wrong top-level type')),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((a) => fuzzBody(Buffer.concat([Buffer.from('{"a":"'), Buffer.from(a), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]), 'invalid UTF-8')),
    deep.map((v) => json(v, 'nested past 64 levels')),
    fc.constant(null).map(() => fuzzBody(Buffer.from(`{"a":"${'x'.repeat(1024 * 1024 + 1)}"}`), 'over 1 MiB')),
  ];
  if (spec.body) options.push(fc.constant(null).map(() => fuzzBody(Buffer.alloc(0), 'empty body')));
  if (fieldNames.length) {
    options.push(
      fc.constantFrom(...(required.length ? required : fieldNames)).map((k) => {
        const copy = { ...template };
        delete copy[k];
        return json(copy, `missing ${k}`);
      }),
      fc.constantFrom(...fieldNames).chain((k) => invalidValue[spec.fields![k]].map((v) => json({ ...template, [k]: v }, `bad ${k}`))),
      fc.constantFrom(...fieldNames).map((k) => json({ ...template, [`${k}\u0000`]: 1, [k]: `${String(template[k])}\u0000` }, `NUL in ${k}`)),
    );
  }
  // a route that takes no body still gets one: only a body over the cap may be refused for it, so
  // for those the fuzzer checks the answer's shape, not the refusal
  return fc.oneof(...options.map((arbitrary, i) => ({ arbitrary, weight: i === 4 ? 1 : 6 })));
}

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=zz',
  'application/xml',
  '',
  '*/*',
  'application/json, text/html',
);

/** a path segment as a client would send it, including ones that are not valid percent-encoding */
const pathSegment = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }).map((s) => encodeURIComponent(wellFormed(s))),
  unicodeText.map((s) => encodeURIComponent(wellFormed(s))),
  // malformed percent-encoding (answered 400 by the node lane before Next's router would fail on it)
  fc.constantFrom('%zz', '%', '%E0%A4%A', '%ED%A0%80', '%C0%AF', 'a%2', '%FF%FE'),
  fc.constantFrom('%00', '..%2F..%2Fetc', '%2e%2e', 'a%2Fb', '-', '_', '.x', 'x'.repeat(3000)),
  fc.uuid(),
);

const query = (keys: string[]) =>
  fc
    .array(
      fc.tuple(fc.oneof(fc.constantFrom(...keys, 'limit', 'cursor', 'status'), printable), fc.oneof(printable, unicodeText, fc.constantFrom('-1', '0', '1e309', 'NaN', '999999999999', 'all', 'open'))),
      { maxLength: 5 },
    )
    .map((pairs) => {
      const p = new URLSearchParams();
      for (const [k, v] of pairs) p.append(k, wellFormed(v));
      const s = p.toString();
      return s ? `?${s}` : '';
    });

type Credential = Role | 'none' | 'garbage' | 'malformed' | 'revoked';
/**
 * three in four cases carry a credential the route accepts, so most bad input reaches validation; the
 * others a refused one (a supervisor is allowed on the sweep and on the live stream, which stays open)
 */
const credential = (spec: RouteSpec) =>
  fc.oneof(
    { arbitrary: fc.constantFrom<Credential>(...spec.roles), weight: 3 },
    {
      arbitrary: fc.constantFrom<Credential>('none', 'garbage', 'malformed', 'revoked', 'worker2', ...(spec.name === 'POST /sweep' || spec.name === 'GET /stream' ? [] : (['supervisor'] as Role[]))),
      weight: 1,
    },
  );

const extraHeaders = fc.record(
  {
    'x-request-id': headerValue,
    'x-forwarded-for': fc.oneof(headerValue, fc.constantFrom('127.0.0.1', '::1, 10.0.0.1', 'unknown')),
    origin: fc.constantFrom('null', 'http://evil.example', 'file://', ''),
    cookie: fc.oneof(headerValue, fc.constant('next-auth.session-token=garbage; __Secure-next-auth.session-token=x')),
    'accept-encoding': fc.constantFrom('gzip', 'br', 'identity', '*;q=0'),
  },
  { requiredKeys: [] },
);

// ---------- stall guard ----------

/**
 * A watchdog thread for what no timer can catch: a synchronous spin in the test process (a
 * generator, a regex, a formatter) blocks the event loop, so vitest's testTimeout and fast-check's
 * time limits never fire and the run hangs for ever. The main thread beats a shared counter every
 * 250 ms; when it has not beaten for FUZZ_STALL_MS (default 60 s) the watchdog pauses the main
 * thread through the inspector, writes the stalled JavaScript stack and the case being worked on to
 * stderr, kills the consoles this file started, and SIGKILLs the test process — vitest then fails the
 * file ("worker exited unexpectedly") and the run ends instead of hanging. (V8's terminateExecution
 * is no way out: Node aborts with a corrupted async-hook stack.)
 */
const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
const inspector = require('node:inspector');
const fs = require('node:fs');
const { beat, label, pids, limitMs } = workerData;
const text = () => Buffer.from(label.buffer).subarray(4, 4 + Atomics.load(new Int32Array(label.buffer), 0)).toString('utf8');
let last = Atomics.load(beat, 0);
let since = Date.now();
let fired = false;
setInterval(() => {
  const now = Atomics.load(beat, 0);
  if (now !== last) { last = now; since = Date.now(); return; }
  if (fired || Date.now() - since < limitMs) return;
  fired = true;
  const finish = (stack) => {
    fs.writeSync(2, '\\n[fuzz] STALL: the test process has been blocked for ' + Math.round((Date.now() - since) / 1000) + ' s (synchronous spin; no timer can fire).\\n' +
      '[fuzz] case: ' + text() + '\\n[fuzz] main thread stack:\\n' + stack + '\\n[fuzz] killing the consoles and this test process so the run fails instead of hanging\\n');
    for (const pid of pids) if (pid > 0) try { process.kill(pid, 'SIGKILL'); } catch {}
    process.kill(process.pid, 'SIGKILL');
  };
  const timer = setTimeout(() => finish('  (inspector did not answer)'), 10000);
  try {
    const s = new inspector.Session();
    s.connectToMainThread();
    const urls = new Map();
    s.on('Debugger.scriptParsed', (m) => urls.set(m.params.scriptId, m.params.url));
    s.on('Debugger.paused', (m) => {
      clearTimeout(timer);
      const frames = m.params.callFrames.slice(0, 30);
      const lines = frames.map((f) => '    at ' + (f.functionName || '<anonymous>') + ' (' + (urls.get(f.location.scriptId) || f.url || 'script ' + f.location.scriptId) + ':' + (f.location.lineNumber + 1) + ':' + (f.location.columnNumber + 1) + ')');
      // the source line of the innermost frames: shows e.g. the filter predicate that never holds
      let left = Math.min(3, frames.length);
      const done = () => { if (--left <= 0) finish(lines.join('\\n')); };
      if (!left) finish('  (no frames)');
      frames.slice(0, 3).forEach((f, i) => s.post('Debugger.getScriptSource', { scriptId: f.location.scriptId }, (err, r) => {
        if (!err && r) lines[i] += '\\n        | ' + String(r.scriptSource.split('\\n')[f.location.lineNumber] || '').trim().slice(0, 200);
        done();
      }));
    });
    s.post('Debugger.enable', () => s.post('Debugger.pause'));
  } catch (e) {
    clearTimeout(timer);
    finish('  (no inspector: ' + e + ')');
  }
}, 1000);
`;

interface StallGuard {
  setCase(text: string): void;
  watchPid(pid: number | undefined): void;
  stop(): Promise<void>;
}

function startStallGuard(limitMs: number): StallGuard {
  const beat = new Int32Array(new SharedArrayBuffer(4));
  const label = new Uint8Array(new SharedArrayBuffer(4 + 2048));
  const pids = new Int32Array(new SharedArrayBuffer(4 * 8));
  const worker = new Worker(WATCHDOG_SOURCE, { eval: true, workerData: { beat, label, pids, limitMs } });
  worker.unref();
  const heart = setInterval(() => Atomics.add(beat, 0, 1), 250);
  heart.unref();
  return {
    setCase(text) {
      const bytes = Buffer.from(text.slice(0, 600), 'utf8').subarray(0, label.length - 4);
      label.set(bytes, 4);
      Atomics.store(new Int32Array(label.buffer), 0, bytes.length);
    },
    watchPid(pid) {
      const free = pids.indexOf(0);
      if (pid && free >= 0) pids[free] = pid;
    },
    async stop() {
      clearInterval(heart);
      await worker.terminate();
    },
  };
}

// ---------- the run ----------

interface Answer {
  status: number;
  text: string;
  url: string;
}

async function send(
  server: TestServer & { revoked: string },
  req: { method: string; path: string; cred: Credential; contentType?: string; body?: Buffer | null; headers?: Record<string, string> },
): Promise<Answer> {
  const headers: Record<string, string> = { ...(req.headers ?? {}) };
  if (req.contentType) headers['content-type'] = req.contentType;
  const tokens = server.tokens as unknown as Record<string, string>;
  if (req.cred === 'garbage') headers.authorization = `Bearer wd_${'g'.repeat(40)}`;
  else if (req.cred === 'malformed') headers.authorization = 'Basic Zm9vOmJhcg==, Bearer';
  else if (req.cred === 'revoked') headers.authorization = `Bearer ${server.revoked}`;
  else if (req.cred !== 'none') headers.authorization = `Bearer ${tokens[req.cred]}`;
  const hasBody = req.body && req.method !== 'GET' && req.method !== 'HEAD';
  const res = await fetch(server.url + req.path, { method: req.method, headers, body: hasBody ? new Uint8Array(req.body!) : undefined, redirect: 'manual', signal: AbortSignal.timeout(30_000) });
  return { status: res.status, text: await res.text(), url: res.url || server.url + req.path };
}

/** The API.md error shape: exactly `{error: {code, message, details?}}`, a known code, no stack or SQL. */
export function expectErrorShape(a: Answer, context: string) {
  let body: any;
  try {
    body = JSON.parse(a.text);
  } catch {
    throw new Error(`${context}: ${a.status} is not JSON: ${a.text.slice(0, 200)}`);
  }
  expect(Object.keys(body), context).toEqual(['error']);
  expect(typeof body.error.code, context).toBe('string');
  expect(API_CODES.has(body.error.code), `${context}: unknown code ${body.error.code}`).toBe(true);
  expect(typeof body.error.message, context).toBe('string');
  expect(
    Object.keys(body.error).every((k) => ['code', 'message', 'details'].includes(k)),
    context,
  ).toBe(true);
  expect(a.text, context).not.toMatch(/\bat [\w.<>]+ \(|node_modules|SELECT |INSERT |drizzle|pglite/i);
}

/** Everything a refused call must not change: every table but the audit log (refusals are audited by design). */
async function fingerprint(server: TestServer): Promise<string> {
  if (server.databaseUrl) {
    const raw = await openRaw(server);
    try {
      const tables = [
        'worker_runs',
        'job_leases',
        'lease_history',
        'helper_events',
        'repair_actions',
        'artifact_checks',
        'incidents',
        'rule_sets',
        'api_tokens',
        'users',
        'd30_decisions',
        'notifications',
      ];
      const out: string[] = [];
      for (const t of tables) {
        // api_tokens.last_used_at records that an accepted credential was used (to the minute): not a write of the refused call
        const row = t === 'api_tokens' ? `(to_jsonb(t) - 'last_used_at')::text` : 't::text';
        const r = rowsOf<{ n: string; h: string | null }>(await raw.db.execute(sql.raw(`select count(*)::text as n, md5(string_agg(${row}, '|' order by ${row})) as h from ${t} t`)));
        out.push(`${t}:${r[0].n}:${r[0].h}`);
      }
      return out.join('\n');
    } finally {
      await raw.close();
    }
  }
  // PGlite is held by the server: read everything the API shows
  const owner = server.tokens.owner;
  const parts = await Promise.all(
    [
      '/api/watchdog/jobs?limit=500',
      '/api/watchdog/incidents?status=all&limit=1000',
      '/api/watchdog/repair-actions?status=all&limit=500',
      '/api/watchdog/tokens',
      '/api/watchdog/rules/versions',
      '/api/watchdog/rules',
    ].map(async (p) => JSON.stringify((await api(server, owner, 'GET', p)).body, (k, v) => (k === 'last_used_at' ? undefined : v))),
  );
  return parts.join('\n');
}

/** Per-case and per-property limits: a slow case fails with fast-check's report (seed, path, case), not a hang. */
const CASE_LIMIT_MS = 45_000; // a request is aborted after 30 s (send)
const propertyLimitMs = (runs: number) => 60_000 + runs * 3_000;

export function defineRouteFuzz(opts: { runs: number; label: string; only?: ('pglite' | 'postgres')[]; onFigures?: (f: FuzzFigures) => void }) {
  const admin = inject('postgresAdminUrl');
  const hasBuild = inject('servers').length > 0;
  const kinds = hasBuild ? (['pglite', ...(admin ? ['postgres'] : [])] as const) : [];
  const baseSeed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : null;
  // the whole file's budget (default 15 min; a run takes ~20 s quick, ~1 min large): once spent, every
  // remaining property is interrupted at once and fails, so even a slow-but-moving console cannot stretch CI
  const deadline = Date.now() + Number(process.env.FUZZ_BUDGET_MS ?? 15 * 60_000);
  let nextSeed = 0;
  /** fast-check's options for one property: its own seed, no shrinking, bounded per case and overall */
  const assertOptions = (numRuns: number, seeds: number[]): fc.Parameters<unknown> => {
    const seed = baseSeed === null ? (Date.now() ^ Math.floor(Math.random() * 0x1_0000_0000)) | 0 : (baseSeed + nextSeed++) | 0;
    seeds.push(seed);
    const limit = Math.max(1_000, Math.min(propertyLimitMs(numRuns), deadline - Date.now()));
    return { seed, numRuns, endOnFailure: true, timeout: CASE_LIMIT_MS, interruptAfterTimeLimit: limit, markInterruptAsFailure: true };
  };
  let guard: StallGuard;
  beforeAll(() => {
    guard = startStallGuard(Number(process.env.FUZZ_STALL_MS ?? 60_000));
  });
  afterAll(async () => {
    await guard?.stop();
  });

  // No console needed: every generator must yield values, none may spin (see `where`).
  describe(`${opts.label}: generators`, () => {
    it('every generator yields values (no filter that can never hold)', () => {
      const f: Fixtures = { job: 'fuzz-job', fencing: 1, eventId: randomUUID(), pendingActionId: randomUUID(), tokenId: randomUUID() };
      guard.setCase(`${opts.label}: sampling the generators`);
      const seed = baseSeed ?? Date.now() | 0;
      for (const spec of ROUTES) {
        const bodies = fc.sample(invalidBody(spec, f), { numRuns: 300, seed });
        expect(bodies.length, spec.name).toBe(300);
        for (const b of bodies) expect(b.bytes, `${spec.name}: ${b.why}`).toBeInstanceOf(Buffer);
      }
      for (const [kind, arb] of Object.entries(invalidValue)) expect(fc.sample(arb, { numRuns: 500, seed }).length, kind).toBe(500);
      for (const arb of [pathSegment, query(['q']), extraHeaders, unicodeText, contentType]) expect(fc.sample(arb as fc.Arbitrary<unknown>, { numRuns: 500, seed }).length).toBe(500);
    });
  });

  describe.each(kinds.filter((k) => !opts.only || opts.only.includes(k as 'pglite' | 'postgres')).map((name) => ({ name })))(`${opts.label} on $name`, ({ name }) => {
    let server: TestServer & { revoked: string };
    let child: ChildProcess;
    let fixtures: Fixtures;
    let before = '';
    const figures: FuzzFigures = { server: name, cases: 0, byStatus: {}, fiveXx: 0, byRoute: {}, writes: 0, seeds: [], durationMs: 0 };
    let started0 = 0;
    const count = (route: string, status: number) => {
      figures.cases++;
      figures.byStatus[status] = (figures.byStatus[status] ?? 0) + 1;
      figures.byRoute[route] = (figures.byRoute[route] ?? 0) + 1;
      if (status >= 500) figures.fiveXx++;
    };

    beforeAll(async () => {
      const dataDir = tempDir(`watchdog-fuzz-${name}-`);
      const databaseUrl = name === 'postgres' ? createDatabase(admin, `fuzz_${Date.now()}_${Math.floor(Math.random() * 1e6)}`) : null;
      const { tokens, users } = await seedAccess({ databaseUrl, dataDir });
      const started = await startNextServer({ databaseUrl, dataDir, env: { WATCHDOG_ALLOW_PRIVATE_ARTIFACT_HOSTS: '0', WATCHDOG_SCHEDULER: '0' } });
      child = started.child;
      guard.watchPid(child.pid);
      started0 = Date.now();
      server = { name: name as TestServer['name'], url: started.url, databaseUrl, dataDir: path.join(dataDir), tokens, users, pid: child.pid!, revoked: '' };
      // fixtures: a leased job with an event, a pending release request, a revoked token
      const job = `fuzz-${randomUUID().slice(0, 8)}`;
      const lease = await api(server, tokens.worker, 'PATCH', `/api/watchdog/job-leases/${job}`, { worker_id: 'w-1', lease_expires_at: inFuture(7200) });
      expect(lease.status).toBe(200);
      const eventId = randomUUID();
      expect(
        (
          await api(server, tokens.worker, 'POST', '/api/watchdog/helper-events', {
            id: eventId,
            job_id: job,
            worker_id: 'w-1',
            command: 'pls context',
            exit_code: 0,
            output: 'ok',
            output_hash: hashOutput('ok'),
          })
        ).status,
      ).toBe(201);
      const pending = await api(server, tokens.system, 'POST', '/api/watchdog/repair-actions', { job_id: job, trigger: 'fuzz fixture', action: 'release', authority: 'system' });
      expect(pending.status).toBe(201);
      const created = await api(server, tokens.owner, 'POST', '/api/watchdog/tokens', { role: 'worker', worker_id: 'w-1', name: 'to-revoke' });
      expect((await api(server, tokens.owner, 'DELETE', `/api/watchdog/tokens/${created.body.id}`)).status).toBe(200);
      server.revoked = created.body.token;
      fixtures = { job, fencing: lease.body.lease.fencing_token, eventId, pendingActionId: pending.body.action.id, tokenId: created.body.id };
      before = await fingerprint(server);
    });

    afterAll(async () => {
      child?.kill('SIGKILL');
      figures.durationMs = Date.now() - started0;
      opts.onFigures?.(figures);
      const seeds = baseSeed === null ? `random, first ${figures.seeds[0]}` : `FUZZ_SEED=${baseSeed}`;
      console.log(
        `[fuzz] ${opts.label} on ${name}: ${JSON.stringify({ cases: figures.cases, fiveXx: figures.fiveXx, writes: figures.writes, seconds: Math.round(figures.durationMs / 1000), seeds, byStatus: figures.byStatus })}`,
      );
    });

    for (const spec of ROUTES) {
      it(
        `A: ${spec.name} — bad bodies, headers, queries, path segments and credentials → API.md error shape, never 5xx`,
        async () => {
          const arb = fc.record({
            cred: credential(spec),
            wrongMethod: fc.oneof({ arbitrary: fc.constant(null), weight: 8 }, { arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'), weight: 1 }),
            segment: spec.param ? fc.oneof(fc.constant(null), pathSegment) : fc.constant(null),
            query: query(spec.queryKeys ?? ['x']),
            body: spec.body || spec.method !== 'GET' ? invalidBody(spec, fixtures).map((b) => b as FuzzBody | null) : fc.constant(null),
            contentType,
            headers: extraHeaders,
          });
          let n = 0;
          await fc.assert(
            fc.asyncProperty(arb, async (c) => {
              const method = c.wrongMethod ?? spec.method;
              const segment = c.segment ?? (spec.param ? encodeURIComponent(spec.param(fixtures)) : '');
              const p = spec.path.replace('{p}', segment) + c.query;
              guard.setCase(`${opts.label} on ${name}, ${spec.name}, case ${++n}: ${method} ${p.slice(0, 200)} as ${c.cred} (${c.body?.why ?? 'no body'})`);
              const a = await send(server, { method, path: p, cred: c.cred, contentType: c.contentType, body: c.body?.bytes ?? null, headers: c.headers });
              count(spec.name, a.status);
              const context = `${method} ${p.slice(0, 200)} as ${c.cred} (${c.body?.why ?? 'no body'}, ${c.contentType || 'no content-type'}) → ${a.status} ${a.text.slice(0, 300)}`;
              expect(a.status, context).toBeLessThan(500);
              const pathname = new URL(a.url).pathname;
              const isApi = pathname.startsWith('/api/') && !pathname.startsWith('/api/auth/');
              if (a.status >= 300 || !isApi) {
                if (isApi && a.status >= 400) expectErrorShape(a, context);
                return;
              }
              // a 2xx: only a read, or a batch whose every element was refused
              if (spec.name === 'POST /helper-events/batch' && method === 'POST') {
                const results = JSON.parse(a.text).results as { status: number }[];
                expect(
                  results.every((r) => r.status >= 400),
                  context,
                ).toBe(true);
                return;
              }
              expect(method === 'GET' || method === 'OPTIONS', context).toBe(true);
              guard.setCase(`${opts.label} on ${name}, ${spec.name}: after case ${n} (generating the next)`);
            }),
            assertOptions(opts.runs, figures.seeds),
          );
        },
        propertyLimitMs(opts.runs) + 30_000,
      );
    }

    it('A: nothing a refused call touched was written (every table but the audit log is unchanged)', async () => {
      guard.setCase(`${opts.label} on ${name}: fingerprint after part A`);
      const after = await fingerprint(server);
      const changed = after.split('\n').filter((line, i) => line !== before.split('\n')[i]);
      figures.writes = changed.length;
      // compared line by line; on failure the changed lines are printed in short (a diff of two long fingerprints is slow to print)
      expect(
        changed.map((l) => l.slice(0, 300)),
        'tables or lists changed by refused calls',
      ).toEqual([]);
      expect(figures.fiveXx).toBe(0);
    });

    it(
      'B: well-formed bodies with unicode edge cases in free text → stored or refused cleanly, never 5xx; an accepted event is idempotent',
      async () => {
        const runs = Math.max(20, Math.round(opts.runs * 2));
        let n = 0;
        await fc.assert(
          fc.asyncProperty(unicodeText, unicodeText, fc.integer({ min: 0, max: 4 }), async (text, other, which) => {
            const f = fixtures;
            guard.setCase(`${opts.label} on ${name}, part B case ${++n} (${which}): ${JSON.stringify(text).slice(0, 200)}`);
            let a: Answer;
            if (which === 0) {
              const output = text;
              const ev = { id: randomUUID(), job_id: f.job, worker_id: 'w-1', command: other.slice(0, 200), exit_code: 1, output, output_hash: hashOutput(output), error_code: other.slice(0, 50) };
              a = await send(server, { method: 'POST', path: '/api/watchdog/helper-events', cred: 'worker', contentType: 'application/json', body: Buffer.from(JSON.stringify(ev)) });
              count('B POST /helper-events', a.status);
              if (a.status === 201) {
                const again = await send(server, { method: 'POST', path: '/api/watchdog/helper-events', cred: 'worker', contentType: 'application/json', body: Buffer.from(JSON.stringify(ev)) });
                count('B POST /helper-events', again.status);
                expect(again.status, `resend of an accepted event: ${again.text.slice(0, 300)}`).toBe(200);
                // a NUL in binary output is stored as U+FFFD (PostgreSQL text cannot hold it)
                let stored = wellFormed(output).replace(/\u0000/g, '\uFFFD');
                // PGlite 0.5 decodes every text value with a default TextDecoder, which eats one leading
                // U+FEFF as a byte-order mark (the row holds it; PostgreSQL returns it): a known PGlite
                // defect, docs/RELIABILITY.md. Only that one character is excused, only on PGlite.
                if (name === 'pglite' && stored.startsWith('\uFEFF')) stored = stored.slice(1);
                expect(JSON.parse(again.text).event.output, 'stored output, read back').toBe(stored);
              }
            } else if (which === 1) {
              const body = { job_id: f.job, trigger: text.slice(0, 200), action: 'touch', authority: 'supervisor', result: 'success', note: other };
              a = await send(server, { method: 'POST', path: '/api/watchdog/repair-actions', cred: 'supervisor', contentType: 'application/json', body: Buffer.from(JSON.stringify(body)) });
              count('B POST /repair-actions', a.status);
            } else if (which === 2) {
              a = await send(server, {
                method: 'POST',
                path: '/api/watchdog/tokens',
                cred: 'owner',
                contentType: 'application/json',
                body: Buffer.from(JSON.stringify({ role: 'supervisor', name: text.slice(0, 100) })),
              });
              count('B POST /tokens', a.status);
            } else if (which === 3) {
              const body = { job_id: f.job, primary_url: `http://127.0.0.1:1/${text}`, files: [{ name: other.slice(0, 500), url: `https://${text}/x` }] };
              a = await send(server, { method: 'POST', path: '/api/watchdog/artifact-checks', cred: 'worker', contentType: 'application/json', body: Buffer.from(JSON.stringify(body)) });
              count('B POST /artifact-checks', a.status);
            } else {
              a = await send(server, { method: 'GET', path: `/api/watchdog/jobs?q=${encodeURIComponent(wellFormed(text.slice(0, 200)))}`, cred: 'owner' });
              count('B GET /jobs?q', a.status);
            }
            const context = `${which}: ${JSON.stringify(text).slice(0, 200)} → ${a.status} ${a.text.slice(0, 300)}`;
            expect(a.status, context).toBeLessThan(500);
            if (a.status >= 400) expectErrorShape(a, context);
          }),
          assertOptions(runs, figures.seeds),
        );
      },
      propertyLimitMs(Math.max(20, Math.round(opts.runs * 2))) + 30_000,
    );
  });
}
