// API.md part 2, "Changes to part 1": bodies must be JSON (415 otherwise, nothing stored), and the
// client address (rate limits, audit) comes from X-Forwarded-For / X-Real-IP only behind a trusted proxy.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findAuditByRequestIds } from './helpers/audit-search';
import { api, helperEvent, inFuture, testServers, uniqueJob } from './helpers/http';
import { seedAccess, startNextServer, tempDir, type TestServer } from './helpers/test-server';

// @ts-expect-error plain .mjs helper shared with scripts/
import { createDatabase } from '../scripts/pg-throwaway.mjs';

/** A body sent as it is, with exactly the headers given (a Uint8Array body gets no Content-Type from fetch). */
async function send(server: Pick<TestServer, 'url'>, token: string, method: string, path: string, body: BodyInit, headers: Record<string, string>) {
  const res = await fetch(server.url + path, { method, headers: { authorization: `Bearer ${token}`, ...headers }, body });
  return { status: res.status, body: (await res.json()) as { error: { code: string; message: string } } };
}

function multipart(value: unknown): FormData {
  const form = new FormData();
  form.set('event', JSON.stringify(value));
  return form;
}

describe.each(testServers())('Content-Type on $name', (server) => {
  const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  const wrongTypes = (v: unknown): [string, BodyInit, Record<string, string>][] => [
    ['text/plain', JSON.stringify(v), { 'content-type': 'text/plain' }],
    ['form-encoded', new URLSearchParams({ event: JSON.stringify(v) }), {}],
    ['multipart', multipart(v), {}],
    ['no Content-Type', json(v), {}],
  ];

  it('refuses a helper event (the node lane and its fast path) that is not application/json with 415, storing nothing', async () => {
    const job = uniqueJob('ct-ev');
    const event = helperEvent({ job_id: job });
    // a token the server has seen authenticate takes the fast path
    expect((await api(server, server.tokens.worker, 'GET', '/api/watchdog/rules')).status).toBe(200);
    for (const [what, body, headers] of wrongTypes(event)) {
      const r = await send(server, server.tokens.worker, 'POST', '/api/watchdog/helper-events', body, headers);
      expect([what, r.status, r.body.error.code]).toEqual([what, 415, 'unsupported_media_type']);
    }
    for (const [what, body, headers] of wrongTypes({ events: [event] })) {
      const r = await send(server, server.tokens.worker, 'POST', '/api/watchdog/helper-events/batch', body, headers);
      expect([what, r.status, r.body.error.code]).toEqual([what, 415, 'unsupported_media_type']);
    }
    // nothing was stored: the same event as JSON is stored now, for the first time
    expect((await api(server, server.tokens.worker, 'POST', '/api/watchdog/helper-events', event)).status).toBe(201);
  });

  it('refuses the other body-taking routes (served by Next) the same way, and accepts parameters such as charset', async () => {
    const job = uniqueJob('ct-run');
    const run = { id: randomUUID(), worker_id: 'w-1', job_id: job, phase: 'build', status: 'ok', started_at: new Date().toISOString() };
    for (const [what, body, headers] of wrongTypes(run)) {
      const r = await send(server, server.tokens.worker, 'POST', '/api/watchdog/worker-runs', body, headers);
      expect([what, r.status, r.body.error.code]).toEqual([what, 415, 'unsupported_media_type']);
    }
    const lease = { worker_id: 'w-1', lease_expires_at: inFuture(600) };
    for (const [what, body, headers] of wrongTypes(lease)) {
      const r = await send(server, server.tokens.worker, 'PATCH', `/api/watchdog/job-leases/${job}`, body, headers);
      expect([what, r.status, r.body.error.code]).toEqual([what, 415, 'unsupported_media_type']);
    }
    expect((await api(server, server.tokens.worker, 'GET', `/api/watchdog/job-leases/${job}`)).status).toBe(404);
    const created = await send(server, server.tokens.worker, 'POST', '/api/watchdog/worker-runs', JSON.stringify(run), { 'content-type': 'Application/JSON; charset=utf-8' });
    expect(created.status).toBe(201);
  });

  it('reads X-Forwarded-For when the direct peer is a trusted proxy (the shared test servers trust 127.0.0.1)', async () => {
    const id = `xff-${randomUUID()}`;
    const r = await api(server, 'wdt_unknown-token', 'GET', '/api/watchdog/rules', undefined, { 'x-forwarded-for': '198.51.100.77, 127.0.0.1', 'x-request-id': id });
    expect(r.status).toBe(401);
    const found = await findAuditByRequestIds(server, [id]);
    expect(found.get(id)?.details).toMatchObject({ address: '198.51.100.77' });
  });

  it('on the node lane too (a worker route): the peer is the socket, never a header the client sends as the peer', async () => {
    const id = `lane-peer-${randomUUID()}`;
    const event = helperEvent({ job_id: uniqueJob() });
    // were the sent peer believed, it would be the (untrusted) client address itself
    const headers = { 'x-forwarded-for': '198.51.100.78', 'x-watchdog-peer': '203.0.113.9', 'x-request-id': id };
    const r = await api(server, 'wdt_unknown-token', 'POST', '/api/watchdog/helper-events', event, headers);
    expect(r.status).toBe(401);
    expect((await findAuditByRequestIds(server, [id])).get(id)?.details).toMatchObject({ address: '198.51.100.78' });
  });

  it('on the node lane, two Authorization lines read as one value (as a Fetch Headers reads them): refused, nothing stored', async () => {
    const event = helperEvent({ job_id: uniqueJob() });
    const body = JSON.stringify(event);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${server.url}/api/watchdog/helper-events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      });
      // two header lines, as Node sends an array value
      req.setHeader('authorization', [`Bearer ${server.tokens.worker}`, `Bearer ${server.tokens.worker}`]);
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(status).toBe(401);
    // the job has no evidence at all
    expect((await api(server, server.tokens.supervisor, 'GET', `/api/watchdog/jobs/${event.job_id}`)).status).toBe(404);
  });
});

const kinds = testServers().map((s) => s.name);

describe.each(kinds)('client address without a trusted proxy on a dedicated %s server', (kind) => {
  let server: Pick<TestServer, 'url' | 'tokens'>;
  let child: ChildProcess;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = tempDir(`watchdog-xff-${kind}-`);
    const databaseUrl = kind === 'postgres' ? createDatabase(inject('postgresAdminUrl'), `xff_${Date.now()}_${Math.floor(Math.random() * 1e6)}`) : null;
    const { tokens } = await seedAccess({ databaseUrl, dataDir });
    const env = { WATCHDOG_TRUSTED_PROXIES: '', WATCHDOG_RATE_LIMIT_RPS: '100', WATCHDOG_AUTH_FAILURE_RPS: '0.001', WATCHDOG_AUTH_FAILURE_BURST: '20' };
    const started = await startNextServer({ databaseUrl, dataDir, env });
    child = started.child;
    server = { url: started.url, tokens };
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('limits 20 unknown-token guesses by the real peer: a forged X-Forwarded-For or X-Real-IP still gets 429, and the audit records the peer', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const id = `guess-${i}-${randomUUID()}`;
      ids.push(id);
      const r = await api(server, `wdt_guess-${i}`, 'GET', '/api/watchdog/rules', undefined, { 'x-forwarded-for': `203.0.113.${i}`, 'x-real-ip': `192.0.2.${i}`, 'x-request-id': id });
      expect(r.status).toBe(401);
    }
    const forgeries: Record<string, string>[] = [{ 'x-forwarded-for': '198.51.100.1' }, { 'x-real-ip': '198.51.100.2' }, { 'x-forwarded-for': '10.9.8.7, 198.51.100.3' }];
    for (const forged of forgeries) {
      const r = await api(server, 'wdt_guess-more', 'GET', '/api/watchdog/rules', undefined, forged);
      expect(r.status).toBe(429);
      expect(r.body.error.code).toBe('rate_limited');
    }
    // a valid credential from the same peer is not refused
    expect((await api(server, server.tokens.supervisor, 'GET', '/api/watchdog/rules', undefined, { 'x-forwarded-for': '198.51.100.1' })).status).toBe(200);
    const found = await findAuditByRequestIds(server, ids);
    expect(found.size).toBe(20);
    for (const e of found.values()) expect(e.details.address).toBe('127.0.0.1');
  });
});
