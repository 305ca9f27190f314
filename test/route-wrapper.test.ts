import { sql } from 'drizzle-orm';
import { NextRequest } from 'next/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Database } from '@/db/client';
import { MAX_BODY_BYTES, parseJson, readBody } from '@/lib/http/body';
import { methodNotAllowed, unknownApiPath } from '@/lib/http/methods';
import { RateLimiter } from '@/lib/http/rate-limit';
import { RefusalAuditor } from '@/lib/watchdog/audit';
import { clientAddress, PEER_HEADER, parseTrustedProxies, requestId } from '@/lib/http/request-info';
import { reply, route } from '@/lib/http/route';
import { IdParams } from '@/lib/schemas/common';
import { listAudit } from '@/lib/watchdog/audit';
import { cliActor } from '@/lib/watchdog/context';
import { isWatchdogError } from '@/lib/watchdog/errors';
import { createRuntime, currentRuntime, installRuntime, setRuntimeDatabase } from '@/lib/watchdog/runtime';
import { createToken } from '@/lib/watchdog/access';
import { testDatabaseKinds } from './helpers/db';

function streamOf(chunks: Uint8Array[], fail = false): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]);
      else if (fail) controller.error(new Error('client went away'));
      else controller.close();
    },
  });
}

const requestWith = (body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}) => new Request('http://test.local/x', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (isWatchdogError(e)) return e.code;
    throw e;
  }
}

describe('RateLimiter', () => {
  it('allows the burst, then answers the seconds to wait, and refills with time', () => {
    const l = new RateLimiter(2, 3);
    const t = 1_000_000;
    expect([l.take('a', t), l.take('a', t), l.take('a', t)]).toEqual([null, null, null]);
    expect(l.take('a', t)).toBe(1);
    expect(l.take('b', t)).toBeNull();
    expect(l.take('a', t + 500)).toBeNull();
    expect(l.take('a', t + 500)).toBe(1);
    expect(l.peek('a', t + 500)).toBe(1);
    expect(l.peek('a', t + 1000)).toBeNull();
  });

  it('is off at 0 requests per second', () => {
    const l = new RateLimiter(0, 1);
    for (let i = 0; i < 100; i++) expect(l.take('a')).toBeNull();
  });

  it('evicts idle buckets, never the one being limited, when flooded with new keys', () => {
    const l = new RateLimiter(0.001, 2, 100);
    const t = 5_000_000;
    l.take('victim', t);
    l.take('victim', t);
    expect(l.take('victim', t)).not.toBeNull();
    for (let i = 0; i < 1000; i++) {
      l.take(`spoofed-${i}`, t);
      // the limited caller keeps trying, so its bucket stays recent
      if (i % 50 === 0) expect(l.take('victim', t)).not.toBeNull();
    }
    expect(l.take('victim', t)).not.toBeNull();
  });
});

describe('request info', () => {
  it('takes the direct peer as the client, and X-Forwarded-For / X-Real-IP only from a trusted proxy (right-most untrusted entry)', () => {
    const none = parseTrustedProxies('');
    const proxies = parseTrustedProxies('10.0.0.0/8, 127.0.0.1, ::1, fd00::/8, not-an-ip');
    const h = (peer: string, more: Record<string, string> = {}) => new Headers({ [PEER_HEADER]: peer, ...more });
    expect(clientAddress(h('203.0.113.5', { 'x-forwarded-for': '1.2.3.4' }), none)).toBe('203.0.113.5');
    expect(clientAddress(h('::ffff:127.0.0.1', { 'x-real-ip': '1.2.3.4' }), none)).toBe('127.0.0.1');
    expect(clientAddress(h('127.0.0.1', { 'x-forwarded-for': '1.2.3.4, 9.9.9.9, 10.1.2.3' }), proxies)).toBe('9.9.9.9');
    expect(clientAddress(h('10.200.0.1', { 'x-real-ip': '198.51.100.4' }), proxies)).toBe('198.51.100.4');
    expect(clientAddress(h('::1', { 'x-forwarded-for': '2001:db8::1, fd12::3' }), proxies)).toBe('2001:db8::1');
    expect(clientAddress(h('10.0.0.1'), proxies)).toBe('10.0.0.1');
    expect(clientAddress(h('11.0.0.1', { 'x-forwarded-for': '1.2.3.4' }), proxies)).toBe('11.0.0.1');
    expect(clientAddress(new Headers({ 'x-forwarded-for': '1.2.3.4' }), proxies)).toBe('unknown');
    expect(clientAddress({ [PEER_HEADER]: '9.9.9.9' }, none)).toBe('9.9.9.9');
  });

  it('keeps a sane x-request-id and replaces any other', () => {
    expect(requestId(new Headers({ 'x-request-id': 'abc-123' }))).toBe('abc-123');
    expect(requestId(new Headers({ 'x-request-id': 'evil id; with spaces' }))).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestId(new Headers({ 'x-request-id': 'x'.repeat(101) }))).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('body reading', () => {
  it('refuses a stream over 1 MiB without a Content-Length, counting the bytes that arrive', async () => {
    const chunk = new Uint8Array(256 * 1024).fill(0x20);
    expect(await codeOf(readBody(requestWith(streamOf([chunk, chunk, chunk, chunk]))))).toBe('ok');
    expect(await codeOf(readBody(requestWith(streamOf([chunk, chunk, chunk, chunk, new Uint8Array([0x20])]))))).toBe('payload_too_large');
    expect(await codeOf(readBody(requestWith(streamOf([new Uint8Array([0x7b])]), { 'content-length': String(MAX_BODY_BYTES + 1) })))).toBe('payload_too_large');
  });

  it('answers invalid_json for bytes that are not UTF-8 and for a body cut off mid-way', async () => {
    expect(await codeOf(readBody(requestWith(streamOf([new Uint8Array([0x22, 0xc3, 0x28, 0x22])]))))).toBe('invalid_json');
    expect(await codeOf(readBody(requestWith(streamOf([new TextEncoder().encode('{"a":')], true))))).toBe('invalid_json');
    expect(await readBody(requestWith(streamOf([new TextEncoder().encode('{"ü":"✓"}')])))).toBe('{"ü":"✓"}');
  });

  it('parses JSON: empty and broken → invalid_json; too deep or U+0000 → validation_failed with the path', async () => {
    expect(await codeOf(Promise.resolve().then(() => parseJson('  ')))).toBe('invalid_json');
    expect(await codeOf(Promise.resolve().then(() => parseJson('{"a":')))).toBe('invalid_json');
    expect(await codeOf(Promise.resolve().then(() => parseJson('['.repeat(65) + ']'.repeat(65))))).toBe('validation_failed');
    expect(parseJson('['.repeat(64) + ']'.repeat(64))).toBeTruthy();
    try {
      parseJson('{"a":{"b":["ok","x\\u0000y"]}}');
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'validation_failed', details: [{ path: 'a.b.1' }] });
    }
    expect(parseJson('{"a":"x\\u0000y"}', { allowNul: true })).toEqual({ a: 'x\u0000y' });
  });
});

describe('method and path fallbacks', () => {
  it('answers other methods with 405 in the API.md shape and OPTIONS with the true Allow header', async () => {
    const m = methodNotAllowed(['GET', 'PUT']);
    const res = m.POST(new Request('http://t/api/watchdog/rules', { method: 'POST' }));
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS, PUT');
    expect(await res.json()).toEqual({
      error: { code: 'method_not_allowed', message: expect.stringContaining('POST'), details: { allowed: ['GET', 'HEAD', 'OPTIONS', 'PUT'] } },
    });
    const options = m.OPTIONS(new Request('http://t/x', { method: 'OPTIONS' }));
    expect([options.status, options.headers.get('allow')]).toEqual([204, 'GET, HEAD, OPTIONS, PUT']);
    const unknown = unknownApiPath().DELETE(new Request('http://t/api/nope', { method: 'DELETE' }));
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe('not_found');
  });
});

describe.each(testDatabaseKinds())('route wrapper and refusal audit in-process on $name', (kind) => {
  let database: Database;
  let systemToken: string;
  beforeAll(async () => {
    database = await kind.open();
    setRuntimeDatabase(database);
    systemToken = (await createToken({ db: database.db, actor: cliActor, now: new Date() }, { role: 'system', name: 'wrapper-test' })).token;
  });
  afterAll(async () => {
    await database?.close();
  });

  const call = async (handler: ReturnType<typeof route>, url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}, params: Record<string, string> = {}) => {
    const req = new NextRequest(url, { method: init.method ?? 'GET', headers: { authorization: `Bearer ${systemToken}`, ...init.headers }, body: init.body });
    const res = await handler(req, { params: Promise.resolve(params) });
    return { status: res.status, headers: res.headers, body: (await res.json()) as any };
  };

  it('maps a database data exception to 400 validation_failed and an unknown error to a bare 500 with the request id', async () => {
    const dataError = route({ name: 'TEST data', permission: 'rules.read' }, async ({ ctx }) => ctx.db.execute(sql`select ${'not a number'}::int`));
    const r = await call(dataError, 'http://t/api/test', { headers: { 'x-request-id': 'req-data-1' } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('validation_failed');
    expect(r.headers.get('x-request-id')).toBe('req-data-1');

    const boom = route({ name: 'TEST boom', permission: 'rules.read' }, async () => {
      throw new Error('secret internals: password=hunter2 at /srv/app.ts:12');
    });
    const b = await call(boom, 'http://t/api/test', { headers: { 'x-request-id': 'req-boom-1' } });
    expect(b.status).toBe(500);
    expect(b.body).toEqual({ error: { code: 'internal_error', message: 'internal error', details: { error_id: 'req-boom-1' } } });
  });

  it('builds the ctx from the runtime in force: its clock is the ctx now', async () => {
    const fixed = new Date('2030-01-02T03:04:05.000Z');
    const previous = currentRuntime();
    installRuntime(createRuntime({ database, clock: () => fixed }));
    try {
      const h = route({ name: 'TEST clock', permission: 'rules.read' }, async ({ ctx, runtime }) => ({ now: ctx.now.toISOString(), same: runtime === currentRuntime() }));
      expect(await call(h, 'http://t/api/x')).toMatchObject({ status: 200, body: { now: fixed.toISOString(), same: true } });
    } finally {
      installRuntime(previous);
    }
  });

  it('answers 415 unsupported_media_type for a body that is not application/json, before the handler runs', async () => {
    let called = 0;
    const h = route({ name: 'TEST body', permission: 'rules.read', body: z.object({ a: z.number() }) }, async ({ body }) => {
      called++;
      return body;
    });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
      const r = await call(h, 'http://t/api/x', { method: 'POST', headers: type ? { 'content-type': type } : {}, body: '{"a":1}' });
      expect([type, r.status, r.body.error.code]).toEqual([type, 415, 'unsupported_media_type']);
    }
    expect(called).toBe(0);
    expect(await call(h, 'http://t/api/x', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"a":1}' })).toMatchObject({ status: 200, body: { a: 1 } });
  });

  it('refuses a query key given twice, answers 404 for a path that cannot exist, and hands parsed values to the handler', async () => {
    const h = route({ name: 'TEST q', permission: 'rules.read', query: z.object({ status: z.enum(['open', 'all']).default('open') }), params: IdParams }, async ({ query, params }) =>
      reply(201, { query, params }),
    );
    const id = '7d3a1c52-5a3b-4f1e-9d8c-0b1a2c3d4e5f';
    expect(await call(h, 'http://t/api/x?status=all', {}, { id })).toMatchObject({ status: 201, body: { query: { status: 'all' }, params: { id } } });
    const twice = await call(h, 'http://t/api/x?status=all&status=open', {}, { id });
    expect(twice.status).toBe(400);
    expect(twice.body.error.details[0]).toMatchObject({ path: 'status', message: expect.stringContaining('more than once') });
    const badId = await call(h, 'http://t/api/x', {}, { id: 'nope' });
    expect(badId.status).toBe(404);
    expect(badId.body.error.code).toBe('not_found');
  });

  it('bounds the audit entries of 401s per address, counts the rest, and always writes 403s', async () => {
    const auditor = new RefusalAuditor(2, 0.001);
    const refusal = (address: string, status: 401 | 403, requestId: string) => ({
      caller: status === 401 ? 'anonymous' : 'worker:test',
      role: status === 401 ? null : ('worker' as const),
      route: 'TEST route',
      method: 'GET',
      path: '/api/test',
      status,
      code: status === 401 ? ('unauthenticated' as const) : ('forbidden' as const),
      requestId,
      address,
    });
    for (let i = 0; i < 5; i++) await auditor.record(database.db, refusal('192.0.2.1', 401, `bound-a-${i}`));
    for (let i = 0; i < 3; i++) await auditor.record(database.db, refusal('192.0.2.1', 403, `bound-f-${i}`));
    await auditor.record(database.db, refusal('192.0.2.2', 401, 'bound-b-0'));
    const { entries } = await listAudit(database.db, { limit: 500 });
    const byId = new Map(entries.map((e) => [(e.details as { request_id?: string }).request_id, e]));
    expect(['bound-a-0', 'bound-a-1', 'bound-a-2', 'bound-a-3', 'bound-a-4'].filter((id) => byId.has(id))).toEqual(['bound-a-0', 'bound-a-1']);
    expect(['bound-f-0', 'bound-f-1', 'bound-f-2'].every((id) => byId.get(id)?.action === 'access.forbidden')).toBe(true);
    expect(byId.get('bound-b-0')).toMatchObject({ actor: 'anonymous', actor_role: null, details: { unaudited_before: 3 } });
    expect(byId.get('bound-a-0')?.actor_role).toBeNull();
  });
});
