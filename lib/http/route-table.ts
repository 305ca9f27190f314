import { z } from 'zod';
import { ingestShortcut } from '@/lib/ingest/statement-auth';
import { buildOpenApiDocument, type ApiOperation } from '@/lib/openapi';
import { AuditQuery, D30DecisionInput, D30Query, RulesPutInput, TokenCreateInput } from '@/lib/schemas/admin';
import { IdParams, JobIdParams } from '@/lib/schemas/common';
import * as E from '@/lib/schemas/evidence';
import { D30DecisionResult, D30Metrics } from '@/lib/schemas/metrics';
import { LearningAnswer, LearningInput, LearningPage, LearningQuery } from '@/lib/schemas/learnings';
import * as R from '@/lib/schemas/responses';
import { createToken, listTokens, revokeToken } from '@/lib/watchdog/access';
import { runArtifactCheck, completeJob } from '@/lib/watchdog/artifacts';
import { listAudit, verifyAuditChain } from '@/lib/watchdog/audit';
import { ingestHelperEvent, ingestHelperEventBatch, upsertWorkerRun } from '@/lib/watchdog/events';
import { listIncidents } from '@/lib/watchdog/incidents';
import { listLearnings, recordPersonLearning } from '@/lib/watchdog/learnings';
import { getJobTimeline, listJobs } from '@/lib/watchdog/jobs';
import { getLease, heartbeatLease } from '@/lib/watchdog/leases';
import { computeD30Metrics, getOverview, recordD30Decision, renderPrometheusMetrics } from '@/lib/watchdog/metrics';
import { decideRepairAction, listRepairActions, recordRepairAction } from '@/lib/watchdog/repairs';
import { getCurrentRules, listRuleVersions, updateRules } from '@/lib/watchdog/rules';
import { runSweep } from '@/lib/watchdog/sweep';
import { checkHealth } from './health';
import { type HttpMethod, methodNotAllowed } from './methods';
import { type HandlerArgs, reply, route, type RouteHandler } from './route';
import type { RouteSpec } from './route-steps';
import { zodDetails } from './route-steps';

/** One row of the route table: what OpenAPI says of it, and the handler Next and the node lane serve. */
export interface ApiRoute extends ApiOperation {
  /** "POST /helper-events": the route's name in metrics and the audit log */
  name: string;
  handle: RouteHandler;
  /** served by the node lane too (lib/ingest/node-lane.ts) */
  lane?: boolean;
}

type Doc = Omit<ApiOperation, 'method' | 'path' | 'permission' | 'params' | 'query' | 'body'> & { lane?: boolean };
type Spec<B, Q, P> = Omit<RouteSpec<B, Q, P>, 'name'>;

/** "POST /api/watchdog/jobs/{job_id}" → "POST /jobs/:job_id" */
const routeName = (method: HttpMethod, path: string) => `${method} ${path.replace(/^\/api(\/watchdog)?/, '').replace(/\{(\w+)\}/g, ':$1')}`;

/**
 * A route: method, path (OpenAPI style, `{job_id}`), the permission and the zod schemas, what it
 * answers, and a handler that calls one domain verb.
 */
function api<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, P extends z.ZodType | undefined = undefined>(
  method: HttpMethod,
  path: string,
  spec: Spec<B, Q, P>,
  doc: Doc,
  handler: (args: HandlerArgs<B, Q, P>) => Promise<unknown>,
): ApiRoute {
  const name = routeName(method, path);
  const { permission, params, query, body } = spec as RouteSpec;
  return { ...doc, name, method, path, permission, params, query, body, handle: route({ ...spec, name }, handler) } as ApiRoute;
}

/** Every endpoint of the console. Next's route files, the node lane and the OpenAPI document are derived from it. */
export const routeTable: ApiRoute[] = [
  {
    method: 'GET', path: '/api/health', name: 'GET /health', summary: 'Liveness and database reachability', permission: 'public',
    ok: { 200: { description: 'healthy', schema: R.HealthAnswer }, 503: { description: 'the database does not answer', schema: R.HealthAnswer } },
    handle: async () => {
      const { status, body } = await checkHealth();
      return Response.json(body, { status, headers: { 'cache-control': 'no-store' } });
    },
  },
  api('POST', '/api/watchdog/worker-runs', { permission: 'workerRuns.write', body: E.WorkerRunInput }, { summary: 'Upsert one phase run of a worker', ok: { 201: { description: 'created', schema: R.WorkerRunAnswer }, 200: { description: 'updated', schema: R.WorkerRunAnswer } } }, async ({ ctx, body }) => {
    const { status, run } = await upsertWorkerRun(ctx, body);
    return reply(status, { run });
  }),
  api('PATCH', '/api/watchdog/job-leases/{job_id}', { permission: 'leases.write', params: JobIdParams, body: E.LeaseInput }, { summary: 'Acquire or renew a lease (the heartbeat)', ok: { 200: { description: 'the lease and what the watchdog wants now', schema: R.LeaseAnswer } }, errors: ['lease_conflict', 'stale_fencing_token'] }, ({ ctx, params, body }) =>
    heartbeatLease(ctx, params.job_id, body),
  ),
  api('GET', '/api/watchdog/job-leases/{job_id}', { permission: 'leases.read', params: JobIdParams }, { summary: 'Read a lease', ok: { 200: { description: 'the lease', schema: R.LeaseAnswer } }, errors: ['not_found'] }, ({ ctx, params }) => getLease(ctx, params.job_id)),
  api('POST', '/api/watchdog/helper-events', { permission: 'helperEvents.write', body: E.HelperEventInput, allowNulInBody: true, shortcut: ingestShortcut }, { summary: 'Report one helper command (classified, idempotent by id)', ok: { 201: { description: 'stored and classified', schema: R.HelperEventAnswer }, 200: { description: 'the same event again', schema: R.HelperEventAnswer } }, errors: ['output_hash_mismatch', 'idempotency_conflict'], lane: true }, async ({ ctx, body }) => {
    const { status, body: out } = await ingestHelperEvent(ctx, body);
    return reply(status, out);
  }),
  api('POST', '/api/watchdog/helper-events/batch', { permission: 'helperEvents.write', body: E.HelperEventBatchInput, allowNulInBody: true }, { summary: 'Report up to 500 helper events, each judged on its own', ok: { 200: { description: 'one result per event', schema: R.HelperEventBatchAnswer } }, lane: true }, async ({ ctx, body, recordForbidden }) => {
    const results = await ingestHelperEventBatch(ctx, body.events, zodDetails);
    const refused = results.filter((r) => r.status === 403).map((r) => r.id);
    if (refused.length) await recordForbidden({ refused_event_ids: refused.slice(0, 100), refused_count: refused.length });
    return { results };
  }),
  api('POST', '/api/watchdog/repair-actions', { permission: 'repairActions.write', body: E.RepairActionInput }, { summary: 'Record a repair action (release/reclaim from worker or system: a pending request)', ok: { 201: { description: 'recorded', schema: R.RepairActionAnswer }, 200: { description: 'already recorded', schema: R.RepairActionAnswer } }, errors: ['idempotency_conflict'] }, async ({ ctx, body }) => {
    const { status, action } = await recordRepairAction(ctx, body);
    return reply(status, { action });
  }),
  api('GET', '/api/watchdog/repair-actions', { permission: 'repairActions.read', query: E.RepairActionQuery }, { summary: 'List repair actions (`status=pending`: the approval queue)', ok: { 200: { description: 'newest first', schema: R.RepairActionList } } }, async ({ ctx, query }) => ({
    actions: await listRepairActions(ctx.db, query),
  })),
  api('POST', '/api/watchdog/repair-actions/{id}/decision', { permission: 'repairActions.decide', params: IdParams, body: E.DecisionInput }, { summary: 'Approve or reject a pending release/reclaim', ok: { 200: { description: 'decided', schema: R.DecisionAnswer } }, errors: ['not_found', 'already_decided'] }, ({ ctx, params, body }) =>
    decideRepairAction(ctx, params.id, body),
  ),
  api('POST', '/api/watchdog/artifact-checks', { permission: 'artifactChecks.write', body: E.ArtifactCheckInput }, { summary: 'Let the server check an artifact itself', ok: { 201: { description: 'the check (passed or not)', schema: R.ArtifactCheckAnswer } } }, async ({ ctx, body }) =>
    reply(201, { check: await runArtifactCheck(ctx, body) }),
  ),
  api('POST', '/api/watchdog/jobs/{job_id}/complete', { permission: 'jobs.complete', params: JobIdParams, body: E.CompleteInput }, { summary: 'Complete a job through the artifact gate', ok: { 200: { description: 'completed', schema: R.CompleteAnswer } }, errors: ['not_found', 'stale_fencing_token', 'lease_conflict', 'artifact_gate_failed'] }, ({ ctx, params, body }) =>
    completeJob(ctx, params.job_id, body),
  ),
  api('GET', '/api/watchdog/jobs', { permission: 'jobs.list', query: E.JobListQuery }, { summary: 'Jobs by their lease, newest activity first', ok: { 200: { description: 'jobs', schema: R.JobList } } }, async ({ ctx, query }) => ({ jobs: await listJobs(ctx, query) })),
  api('GET', '/api/watchdog/jobs/{job_id}', { permission: 'jobs.read', params: JobIdParams }, { summary: "A job's whole evidence timeline", ok: { 200: { description: 'the timeline', schema: R.JobTimeline } }, errors: ['not_found'] }, ({ ctx, params }) => getJobTimeline(ctx, params.job_id)),
  api('GET', '/api/watchdog/rules', { permission: 'rules.read' }, { summary: 'The rules in force', ok: { 200: { description: 'the current version', schema: R.RuleSet } } }, ({ ctx }) => getCurrentRules(ctx.db)),
  api('PUT', '/api/watchdog/rules', { permission: 'rules.write', body: RulesPutInput }, { summary: 'Change the rules (a new version, audited)', ok: { 200: { description: 'the new version', schema: R.RuleSet } } }, ({ ctx, body }) => updateRules(ctx, body.rules, body.note)),
  api('GET', '/api/watchdog/rules/versions', { permission: 'rules.read' }, { summary: 'Every rule version, newest first', ok: { 200: { description: 'versions', schema: R.RuleVersions } } }, async ({ ctx }) => ({ versions: await listRuleVersions(ctx.db) })),
  api('POST', '/api/watchdog/sweep', { permission: 'sweep.run' }, { summary: 'Run the time-based detection once', ok: { 200: { description: 'what the sweep found', schema: R.SweepAnswer } } }, ({ ctx }) => runSweep(ctx)),
  api('POST', '/api/watchdog/tokens', { permission: 'tokens.manage', body: TokenCreateInput }, { summary: 'Create an API token (the secret is shown once)', ok: { 201: { description: 'created', schema: R.TokenCreated } } }, async ({ ctx, body }) => reply(201, await createToken(ctx, body))),
  api('GET', '/api/watchdog/tokens', { permission: 'tokens.manage' }, { summary: 'List tokens (never the secret)', ok: { 200: { description: 'tokens', schema: R.TokenList } } }, async ({ ctx }) => ({ tokens: await listTokens(ctx) })),
  api('DELETE', '/api/watchdog/tokens/{id}', { permission: 'tokens.manage', params: IdParams }, { summary: 'Revoke a token', ok: { 200: { description: 'revoked', schema: R.TokenAnswer } }, errors: ['not_found'] }, async ({ ctx, params }) => ({ token: await revokeToken(ctx, params.id) })),
  api('GET', '/api/watchdog/incidents', { permission: 'incidents.read', query: E.IncidentQuery }, { summary: 'Incidents (`status=open|resolved|all`)', ok: { 200: { description: 'newest first', schema: R.IncidentList } } }, async ({ ctx, query }) => ({ incidents: await listIncidents(ctx.db, query) })),
  api('POST', '/api/watchdog/learnings', { permission: 'learnings.write', body: LearningInput }, { summary: 'Add what was learned from a stuck job (audited)', ok: { 201: { description: 'recorded', schema: LearningAnswer } }, errors: ['not_found'] }, async ({ ctx, body }) =>
    reply(201, { learning: await recordPersonLearning(ctx, body) }),
  ),
  api('GET', '/api/watchdog/learnings', { permission: 'learnings.read', query: LearningQuery }, { summary: 'Learnings, newest first (worker: of its own jobs and job-less ones; `cursor`: the previous page\'s next_cursor)', ok: { 200: { description: 'a page', schema: LearningPage } } }, ({ ctx, query }) => listLearnings(ctx, query)),
  api('GET', '/api/watchdog/metrics/d30', { permission: 'metrics.read', query: D30Query }, { summary: 'The D30 figures and recommendation over a window (default: the last 30 days)', ok: { 200: { description: 'the figures', schema: D30Metrics } } }, ({ ctx, query }) =>
    computeD30Metrics(ctx.db, { from: query.from, to: query.to, now: ctx.now }),
  ),
  api('POST', '/api/watchdog/metrics/d30/decision', { permission: 'd30.decide', body: D30DecisionInput }, { summary: "Record the owner's D30 decision with a snapshot of the figures", ok: { 201: { description: 'recorded', schema: D30DecisionResult } } }, async ({ ctx, body }) =>
    reply(201, await recordD30Decision(ctx, body)),
  ),
  api('GET', '/api/watchdog/overview', { permission: 'overview.read' }, { summary: 'The console overview: rollout milestones derived from the data', ok: { 200: { description: 'the overview', schema: R.OverviewAnswer } } }, ({ ctx }) => getOverview(ctx)),
  api('GET', '/api/watchdog/audit', { permission: 'audit.read', query: AuditQuery }, { summary: 'The audit log, newest first (`cursor`: the last id of the previous page)', ok: { 200: { description: 'a page', schema: R.AuditPage } } }, ({ ctx, query }) => listAudit(ctx.db, query)),
  api('GET', '/api/watchdog/audit/verify', { permission: 'audit.read' }, { summary: 'Recompute the audit hash chain', ok: { 200: { description: 'the verification', schema: R.AuditVerification } } }, ({ ctx }) => verifyAuditChain(ctx.db)),
  api('GET', '/api/metrics', { permission: 'prometheus.read' }, { summary: 'Prometheus text exposition', ok: { 200: { description: 'metrics', text: 'text/plain; version=0.0.4; charset=utf-8' } } }, async ({ ctx }) => {
    const { contentType, body } = await renderPrometheusMetrics(ctx.db);
    return new Response(body, { status: 200, headers: { 'content-type': contentType, 'cache-control': 'no-store' } });
  }),
  api('GET', '/api/openapi.json', { permission: 'public' }, { summary: 'This document', ok: { 200: { description: 'OpenAPI 3.1', schema: z.record(z.string(), z.unknown()) } } }, async () => buildOpenApiDocument(routeTable)),
];

/**
 * The handlers of one path for its Next route file: the table's methods, 405 (API.md shape) for the
 * others, OPTIONS with the true Allow header. `app/api/watchdog/jobs/[job_id]/route.ts` is
 * `export const { GET, POST, PUT, PATCH, DELETE, OPTIONS } = routeHandlers('/api/watchdog/jobs/{job_id}');`
 */
export function routeHandlers(path: string): Record<HttpMethod | 'OPTIONS', (req: Request, context: { params?: Promise<Record<string, string | string[]>> }) => Response | Promise<Response>> {
  const routes = routeTable.filter((r) => r.path === path);
  if (!routes.length) throw new Error(`no route in the table for ${path}`);
  const handlers: Record<string, (req: Request, context: { params?: Promise<Record<string, string | string[]>> }) => Response | Promise<Response>> = {
    ...methodNotAllowed(routes.map((r) => r.method)),
  };
  for (const r of routes) handlers[r.method] = r.handle;
  return handlers as ReturnType<typeof routeHandlers>;
}

/** The node lane's dispatch: path → handler of the POST routes marked `lane`. */
export function laneRoutes(): Record<string, RouteHandler> {
  return Object.fromEntries(routeTable.filter((r) => r.lane && r.method === 'POST').map((r) => [r.path, r.handle]));
}
