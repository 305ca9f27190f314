import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { routeTable } from '@/lib/http/route-table';
import { LearningAnswer, LearningPage } from '@/lib/schemas/learnings';
import { buildOpenApiDocument } from '@/lib/openapi';
import { D30Metrics, RulesPreview } from '@/lib/schemas/metrics';
import * as R from '@/lib/schemas/responses';
import { api, helperEvent, inFuture, testServers, uniqueJob } from './helpers/http';
import { root } from './helpers/test-server';

/** Every endpoint of API.md (method, path), plus the console's own ones. */
const API_MD = [
  'get /api/health',
  'post /api/watchdog/worker-runs',
  'patch /api/watchdog/job-leases/{job_id}',
  'get /api/watchdog/job-leases/{job_id}',
  'post /api/watchdog/helper-events',
  'post /api/watchdog/helper-events/batch',
  'post /api/watchdog/repair-actions',
  'get /api/watchdog/repair-actions',
  'post /api/watchdog/repair-actions/{id}/decision',
  'post /api/watchdog/artifact-checks',
  'post /api/watchdog/jobs/{job_id}/complete',
  'get /api/watchdog/jobs/{job_id}',
  'get /api/watchdog/rules',
  'put /api/watchdog/rules',
  'post /api/watchdog/rules/preview',
  'post /api/watchdog/sweep',
  'post /api/watchdog/tokens',
  'get /api/watchdog/tokens',
  'delete /api/watchdog/tokens/{id}',
  'get /api/watchdog/incidents',
  'get /api/watchdog/metrics/d30',
  'get /api/watchdog/audit',
  'get /api/watchdog/audit/verify',
  'get /api/metrics',
  'get /api/watchdog/runner',
  'get /api/watchdog/users',
  'post /api/watchdog/users',
  'patch /api/watchdog/users/{id}',
];
const EXTRA = [
  'get /api/watchdog/jobs',
  'get /api/watchdog/rules/versions',
  'get /api/watchdog/overview',
  'post /api/watchdog/metrics/d30/decision',
  'get /api/openapi.json',
  'post /api/watchdog/learnings',
  'get /api/watchdog/learnings',
];

type Doc = {
  openapi: string;
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }>; parameters?: { name: string; in: string }[]; security: object[]; requestBody?: object }>
  >;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, { type: string; scheme?: string; in?: string }> };
};

/** Every `$ref` in the document, to check that each resolves. */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refs(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

/**
 * The route files under app/api, each a one-liner taking its handlers from the route table for its
 * own folder's path, and the methods the table serves there, as `method /path/{param}`.
 */
function implementedEndpoints(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === 'route.ts') {
        const rel = '/' + path.relative(path.join(root, 'app'), path.dirname(full)).split(path.sep).join('/');
        if (rel.startsWith('/api/auth') || rel.startsWith('/api/internal')) continue;
        const openapiPath = rel.replace(/\[([^\]]+)\]/g, '{$1}');
        const text = fs.readFileSync(full, 'utf8');
        if (rel === '/api/[...path]') continue;
        const served = /routeHandlers\('([^']+)'\)/.exec(text)?.[1];
        expect(served, full).toBe(openapiPath);
        for (const r of routeTable.filter((r) => r.path === served)) out.push(`${r.method.toLowerCase()} ${openapiPath}`);
      }
    }
  };
  walk(path.join(root, 'app', 'api'));
  return out;
}

function check(doc: Doc) {
  expect(doc.openapi).toBe('3.1.0');
  const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
  for (const op of [...API_MD, ...EXTRA]) expect(documented, op).toContain(op);
  for (const ref of refs(doc)) {
    const name = ref.replace('#/components/schemas/', '');
    expect(ref.startsWith('#/components/schemas/'), ref).toBe(true);
    expect(doc.components.schemas, ref).toHaveProperty(name);
  }
  expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  expect(doc.components.securitySchemes.session).toMatchObject({ type: 'apiKey', in: 'cookie' });
  expect(doc.components.schemas.ErrorBody).toMatchObject({ type: 'object', required: ['error'] });
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(ops)) {
      const where = `${m} ${p}`;
      expect(
        Object.keys(op.responses).some((s) => s.startsWith('2')),
        where,
      ).toBe(true);
      expect(op.responses['500'], where).toBeTruthy();
      for (const param of p.match(/\{(\w+)\}/g) ?? [])
        expect(
          op.parameters?.some((x) => x.in === 'path' && `{${x.name}}` === param),
          `${where} ${param}`,
        ).toBe(true);
      // bodiless POSTs: run the sweep, send a channel's test message
      if ((m === 'post' || m === 'put' || m === 'patch') && p !== '/api/watchdog/sweep' && p !== '/api/watchdog/channels/{id}/test') {
        expect(op.requestBody, where).toBeTruthy();
        expect(op.responses['400'], where).toBeTruthy();
      }
      if (p === '/api/health' || p === '/api/openapi.json') expect(op.security).toEqual([]);
      else {
        expect(op.security.length, where).toBeGreaterThan(0);
        expect(op.responses['401'], where).toBeTruthy();
        expect(op.responses['403'], where).toBeTruthy();
      }
    }
  }
}

describe('OpenAPI document', () => {
  it('covers every API.md endpoint, with resolvable schemas, the error shape and the security schemes', () => {
    const doc = JSON.parse(JSON.stringify(buildOpenApiDocument(routeTable))) as Doc;
    check(doc);
  });

  it('documents every route the console implements', () => {
    const table = Object.entries((buildOpenApiDocument(routeTable) as unknown as Doc).paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    for (const endpoint of implementedEndpoints()) expect(table, endpoint).toContain(endpoint);
  });

  it('generates the request schemas from zod (fields, enums, limits)', () => {
    const doc = buildOpenApiDocument(routeTable) as unknown as { components: { schemas: Record<string, { properties: Record<string, { enum?: string[]; maxLength?: number }>; required: string[] }> } };
    const event = doc.components.schemas.HelperEventInput;
    expect(event.required).toEqual(expect.arrayContaining(['id', 'job_id', 'worker_id', 'command', 'exit_code', 'output_hash']));
    expect(event.properties.phase.enum).toContain('upload');
    expect(event.properties.output.maxLength).toBe(64 * 1024);
    expect(doc.components.schemas.D30DecisionInput.properties.decision.enum).toEqual(['continue', 'escalate_to_watchdog_agent', 'change_owner']);
  });
});

describe.each(testServers())('OpenAPI over HTTP on $name', (server) => {
  it('serves the document without credentials', async () => {
    const r = await api(server, null, 'GET', '/api/openapi.json');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    check(r.body as Doc);
  });

  it('describes what the server really answers', async () => {
    const job = uniqueJob('oa');
    const parse = (schema: z.ZodType, body: unknown) => {
      const r = schema.safeParse(body);
      expect(r.success ? null : r.error.issues, JSON.stringify(body).slice(0, 300)).toBeNull();
    };
    const lease = await api(server, server.tokens.worker, 'PATCH', `/api/watchdog/job-leases/${job}`, { worker_id: 'w-1', lease_expires_at: inFuture(900) });
    parse(R.LeaseAnswer, lease.body);
    const ev = await api(server, server.tokens.worker, 'POST', '/api/watchdog/helper-events', helperEvent({ job_id: job, exit_code: 1, output: '500 TypeError: fetch failed' }));
    parse(R.HelperEventAnswer, ev.body);
    const batch = await api(server, server.tokens.worker, 'POST', '/api/watchdog/helper-events/batch', { events: [helperEvent({ job_id: job }), { id: 'nope' }] });
    parse(R.HelperEventBatchAnswer, batch.body);
    const action = await api(server, server.tokens.system, 'POST', '/api/watchdog/repair-actions', { job_id: job, trigger: 'fetch_failed', action: 'retry', authority: 'system', phase: 'context' });
    parse(R.RepairActionAnswer, action.body);
    parse(R.RepairActionList, (await api(server, server.tokens.supervisor, 'GET', '/api/watchdog/repair-actions?status=all&limit=5')).body);
    parse(R.IncidentList, (await api(server, server.tokens.supervisor, 'GET', '/api/watchdog/incidents?status=all&limit=5')).body);
    parse(R.JobTimeline, (await api(server, server.tokens.supervisor, 'GET', `/api/watchdog/jobs/${job}`)).body);
    parse(R.JobList, (await api(server, server.tokens.supervisor, 'GET', '/api/watchdog/jobs?limit=5')).body);
    parse(R.RuleSet, (await api(server, server.tokens.worker, 'GET', '/api/watchdog/rules')).body);
    parse(R.RuleVersions, (await api(server, server.tokens.worker, 'GET', '/api/watchdog/rules/versions')).body);
    parse(R.SweepAnswer, (await api(server, server.tokens.system, 'POST', '/api/watchdog/sweep')).body);
    parse(R.TokenList, (await api(server, server.tokens.owner, 'GET', '/api/watchdog/tokens')).body);
    parse(R.AuditPage, (await api(server, server.tokens.owner, 'GET', '/api/watchdog/audit?limit=5')).body);
    parse(R.AuditVerification, (await api(server, server.tokens.owner, 'GET', '/api/watchdog/audit/verify')).body);
    parse(R.HealthAnswer, (await api(server, null, 'GET', '/api/health')).body);
    parse(D30Metrics, (await api(server, server.tokens.owner, 'GET', '/api/watchdog/metrics/d30')).body);
    parse(RulesPreview, (await api(server, server.tokens.supervisor, 'POST', '/api/watchdog/rules/preview', { rules: [{ signal: 'queue_stuck', threshold: 600 }] })).body);
    parse(R.OverviewAnswer, (await api(server, server.tokens.supervisor, 'GET', '/api/watchdog/overview')).body);
    parse(
      LearningAnswer,
      (await api(server, server.tokens.supervisor, 'POST', '/api/watchdog/learnings', { job_id: job, signal: 'fetch_failed', learned: ['a lesson'], next_worker_should_check: ['a check'] })).body,
    );
    parse(LearningPage, (await api(server, server.tokens.worker, 'GET', '/api/watchdog/learnings?limit=5')).body);
    const bad = await api(server, server.tokens.worker, 'POST', '/api/watchdog/helper-events', '{');
    parse(R.ErrorDetail, bad.body.error);
  });
});
