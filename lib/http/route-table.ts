/**
 * The one route table: every endpoint of the console, one row each (method, path, permission, schemas,
 * answers, the domain verb it calls). It is long on purpose — one row per route, read top to bottom like
 * API.md; splitting it by aggregate would scatter the contract a reviewer checks in one place.
 */
import { z } from 'zod';
import { artifactCheckShortcut, completeShortcut, heartbeatShortcut, ingestShortcut } from '@/lib/ingest';
import { buildOpenApiDocument, type ApiOperation } from '@/lib/openapi';
import { AuditQuery, D30DecisionInput, D30Query, RulesPreviewInput, RulesPutInput, TokenCreateInput } from '@/lib/schemas/admin';
import { IdParams, JobIdParams } from '@/lib/schemas/common';
import * as E from '@/lib/schemas/evidence';
import * as F from '@/lib/schemas/fleet';
import * as O from '@/lib/schemas/oncall';
import * as People from '@/lib/schemas/people';
import { D30DecisionResult, D30Metrics, RulesPreview } from '@/lib/schemas/metrics';
import { LearningAnswer, LearningInput, LearningPage, LearningQuery } from '@/lib/schemas/learnings';
import * as R from '@/lib/schemas/responses';
import { createToken, createUser, getMySettings, listTokens, listUsers, revokeToken, updateMySettings, updateUser } from '@/lib/watchdog/access';
import { runArtifactCheck, completeJob } from '@/lib/watchdog/artifacts';
import { listAudit, verifyAuditChain } from '@/lib/watchdog/audit';
import { ingestHelperEvent, ingestHelperEventBatch, upsertWorkerRun } from '@/lib/watchdog/events';
import { acknowledgeIncident, createSilence, endSilence, listIncidents, listSilences, resolveIncident } from '@/lib/watchdog/incidents';
import { createChannel, deleteChannel, getIncidentDetail, listChannels, listNotifications, rememberConsoleOrigin, testChannel, updateChannel } from '@/lib/watchdog/notify';
import { getWorker, listWorkers } from '@/lib/watchdog/fleet';
import { listLearnings, recordPersonLearning } from '@/lib/watchdog/learnings';
import { getJobTimeline, listJobs } from '@/lib/watchdog/jobs';
import { getLease, heartbeatLease } from '@/lib/watchdog/leases';
import { computeD30Metrics, getOverview, recordD30Decision, renderPrometheusMetrics } from '@/lib/watchdog/metrics';
import { decideRepairAction, listRepairActions, recordRepairAction } from '@/lib/watchdog/repairs';
import { getCurrentRules, listRuleVersions, previewRules, updateRules } from '@/lib/watchdog/rules';
import { runSweep } from '@/lib/watchdog/sweep';
import { checkHealth } from './health';
import { loadRunnerFile } from './runner-file';
import { openLiveStream } from './live-stream';
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
    method: 'GET',
    path: '/api/health',
    name: 'GET /health',
    summary: 'Liveness and database reachability',
    permission: 'public',
    ok: { 200: { description: 'healthy', schema: R.HealthAnswer }, 503: { description: 'the database does not answer', schema: R.HealthAnswer } },
    handle: async () => {
      const { status, body } = await checkHealth();
      return Response.json(body, { status, headers: { 'cache-control': 'no-store' } });
    },
  },
  api(
    'POST',
    '/api/watchdog/worker-runs',
    { permission: 'workerRuns.write', body: E.WorkerRunInput },
    { summary: 'Upsert one phase run of a worker', ok: { 201: { description: 'created', schema: R.WorkerRunAnswer }, 200: { description: 'updated', schema: R.WorkerRunAnswer } }, lane: true },
    async ({ ctx, body }) => {
      const { status, run } = await upsertWorkerRun(ctx, body);
      return reply(status, { run });
    },
  ),
  api(
    'PATCH',
    '/api/watchdog/job-leases/{job_id}',
    { permission: 'leases.write', params: JobIdParams, body: E.LeaseInput, shortcut: heartbeatShortcut },
    {
      summary: 'Acquire or renew a lease (the heartbeat)',
      ok: { 200: { description: 'the lease and what the watchdog wants now', schema: R.LeaseAnswer } },
      errors: ['lease_conflict', 'stale_fencing_token'],
      lane: true,
    },
    ({ ctx, params, body }) => heartbeatLease(ctx, params.job_id, body),
  ),
  api(
    'GET',
    '/api/watchdog/job-leases/{job_id}',
    { permission: 'leases.read', params: JobIdParams },
    { summary: 'Read a lease', ok: { 200: { description: 'the lease', schema: R.LeaseAnswer } }, errors: ['not_found'], lane: true },
    ({ ctx, params }) => getLease(ctx, params.job_id),
  ),
  api(
    'POST',
    '/api/watchdog/helper-events',
    { permission: 'helperEvents.write', body: E.HelperEventInput, allowNulInBody: true, shortcut: ingestShortcut },
    {
      summary: 'Report one helper command (classified, idempotent by id)',
      ok: { 201: { description: 'stored and classified', schema: R.HelperEventAnswer }, 200: { description: 'the same event again', schema: R.HelperEventAnswer } },
      errors: ['output_hash_mismatch', 'idempotency_conflict'],
      lane: true,
    },
    async ({ ctx, body }) => {
      const { status, body: out } = await ingestHelperEvent(ctx, body);
      return reply(status, out);
    },
  ),
  api(
    'POST',
    '/api/watchdog/helper-events/batch',
    { permission: 'helperEvents.write', body: E.HelperEventBatchInput, allowNulInBody: true },
    { summary: 'Report up to 500 helper events, each judged on its own', ok: { 200: { description: 'one result per event', schema: R.HelperEventBatchAnswer } }, lane: true },
    async ({ ctx, body, recordForbidden }) => {
      const results = await ingestHelperEventBatch(ctx, body.events, zodDetails);
      const refused = results.filter((r) => r.status === 403).map((r) => r.id);
      if (refused.length) await recordForbidden({ refused_event_ids: refused.slice(0, 100), refused_count: refused.length });
      return { results };
    },
  ),
  api(
    'POST',
    '/api/watchdog/repair-actions',
    { permission: 'repairActions.write', body: E.RepairActionInput },
    {
      summary: 'Record a repair action (release/reclaim from worker or system: a pending request)',
      ok: { 201: { description: 'recorded', schema: R.RepairActionAnswer }, 200: { description: 'already recorded, or the pending request of the same job and action', schema: R.RepairActionAnswer } },
      errors: ['idempotency_conflict', 'job_finished'],
      lane: true,
    },
    async ({ ctx, body }) => {
      const { status, action } = await recordRepairAction(ctx, body);
      return reply(status, { action });
    },
  ),
  api(
    'GET',
    '/api/watchdog/repair-actions',
    { permission: 'repairActions.read', query: E.RepairActionQuery },
    { summary: "List repair actions (`status=pending`: the approval queue), each with its job's lease now", ok: { 200: { description: 'newest first', schema: R.RepairActionList } } },
    async ({ ctx, query }) => ({
      actions: await listRepairActions(ctx.db, query, ctx.now),
    }),
  ),
  api(
    'POST',
    '/api/watchdog/repair-actions/{id}/decision',
    { permission: 'repairActions.decide', params: IdParams, body: E.DecisionInput },
    { summary: 'Approve or reject a pending release/reclaim', ok: { 200: { description: 'decided', schema: R.DecisionAnswer } }, errors: ['not_found', 'already_decided'] },
    ({ ctx, params, body }) => decideRepairAction(ctx, params.id, body),
  ),
  api(
    'POST',
    '/api/watchdog/artifact-checks',
    { permission: 'artifactChecks.write', body: E.ArtifactCheckInput, shortcut: artifactCheckShortcut },
    { summary: 'Let the server check an artifact itself', ok: { 201: { description: 'the check (passed or not)', schema: R.ArtifactCheckAnswer } }, lane: true },
    async ({ ctx, body }) => reply(201, { check: await runArtifactCheck(ctx, body) }),
  ),
  api(
    'POST',
    '/api/watchdog/jobs/{job_id}/complete',
    { permission: 'jobs.complete', params: JobIdParams, body: E.CompleteInput, shortcut: completeShortcut },
    {
      summary: 'Complete a job through the artifact gate',
      ok: { 200: { description: 'completed', schema: R.CompleteAnswer } },
      errors: ['not_found', 'stale_fencing_token', 'lease_conflict', 'artifact_gate_failed'],
      lane: true,
    },
    ({ ctx, params, body }) => completeJob(ctx, params.job_id, body),
  ),
  api(
    'GET',
    '/api/watchdog/jobs',
    { permission: 'jobs.list', query: E.JobListQuery },
    {
      summary: "Jobs by their lease, newest activity first (`state`: one lease state; `q`: part of a job or worker id), paged by `cursor` (the previous page's `next_cursor`)",
      ok: { 200: { description: 'a page', schema: R.JobList } },
    },
    ({ ctx, query }) => listJobs(ctx, query),
  ),
  api(
    'GET',
    '/api/watchdog/jobs/{job_id}',
    { permission: 'jobs.read', params: JobIdParams },
    { summary: "A job's whole evidence timeline", ok: { 200: { description: 'the timeline', schema: R.JobTimeline } }, errors: ['not_found'] },
    ({ ctx, params }) => getJobTimeline(ctx, params.job_id),
  ),
  api('GET', '/api/watchdog/rules', { permission: 'rules.read' }, { summary: 'The rules in force', ok: { 200: { description: 'the current version', schema: R.RuleSet } } }, ({ ctx }) =>
    getCurrentRules(ctx.db),
  ),
  api(
    'PUT',
    '/api/watchdog/rules',
    { permission: 'rules.write', body: RulesPutInput },
    { summary: 'Change the rules (a new version, audited)', ok: { 200: { description: 'the new version', schema: R.RuleSet } } },
    ({ ctx, body }) => updateRules(ctx, body.rules, body.note, body.preview),
  ),
  api(
    'POST',
    '/api/watchdog/rules/preview',
    { permission: 'rules.preview', body: RulesPreviewInput },
    {
      summary: 'Replay the stored evidence through a draft and the rules in force (writes nothing)',
      ok: { 200: { description: 'both sides and where they disagree', schema: RulesPreview } },
    },
    ({ ctx, body }) => previewRules(ctx, body),
  ),
  api(
    'GET',
    '/api/watchdog/rules/versions',
    { permission: 'rules.read' },
    { summary: 'Every rule version, newest first', ok: { 200: { description: 'versions', schema: R.RuleVersions } } },
    async ({ ctx }) => ({ versions: await listRuleVersions(ctx.db) }),
  ),
  api(
    'POST',
    '/api/watchdog/sweep',
    { permission: 'sweep.run' },
    { summary: 'Run the time-based detection once', ok: { 200: { description: 'what the sweep found', schema: R.SweepAnswer } } },
    ({ ctx }) => runSweep(ctx),
  ),
  api(
    'POST',
    '/api/watchdog/tokens',
    { permission: 'tokens.manage', body: TokenCreateInput },
    { summary: 'Create an API token (the secret is shown once)', ok: { 201: { description: 'created', schema: R.TokenCreated } } },
    async ({ ctx, body }) => reply(201, await createToken(ctx, body)),
  ),
  api('GET', '/api/watchdog/tokens', { permission: 'tokens.manage' }, { summary: 'List tokens (never the secret)', ok: { 200: { description: 'tokens', schema: R.TokenList } } }, async ({ ctx }) => ({
    tokens: await listTokens(ctx),
  })),
  api(
    'DELETE',
    '/api/watchdog/tokens/{id}',
    { permission: 'tokens.manage', params: IdParams },
    { summary: 'Revoke a token', ok: { 200: { description: 'revoked', schema: R.TokenAnswer } }, errors: ['not_found'] },
    async ({ ctx, params }) => ({ token: await revokeToken(ctx, params.id) }),
  ),
  api(
    'GET',
    '/api/watchdog/incidents',
    { permission: 'incidents.read', query: O.IncidentListQuery },
    { summary: 'Incidents, newest first, filtered (`status=open|acknowledged|unacknowledged|resolved|all`), paged by `cursor`', ok: { 200: { description: 'a page', schema: O.IncidentPage } } },
    async ({ ctx, query, req }) => {
      rememberConsoleOrigin(new URL(req.url).origin);
      return listIncidents(ctx.db, query);
    },
  ),
  api(
    'GET',
    '/api/watchdog/incidents/{id}',
    { permission: 'incidents.read', params: IdParams },
    { summary: 'One incident with its delivery log and the silence that covers it', ok: { 200: { description: 'the incident', schema: O.IncidentDetail } }, errors: ['not_found'] },
    ({ ctx, params }) => getIncidentDetail(ctx.db, params.id, ctx.now),
  ),
  api(
    'POST',
    '/api/watchdog/incidents/{id}/acknowledge',
    { permission: 'incidents.handle', params: IdParams, body: O.AcknowledgeInput },
    { summary: 'Acknowledge (stops the escalation; again: unchanged)', ok: { 200: { description: 'acknowledged', schema: O.IncidentAnswer } }, errors: ['not_found', 'incident_resolved'] },
    async ({ ctx, params, body }) => ({
      incident: await acknowledgeIncident(ctx, params.id, body),
    }),
  ),
  api(
    'POST',
    '/api/watchdog/incidents/{id}/resolve',
    { permission: 'incidents.handle', params: IdParams, body: O.ResolveInput },
    { summary: 'Resolve with a note (channels that were told hear it)', ok: { 200: { description: 'resolved', schema: O.IncidentAnswer } }, errors: ['not_found', 'incident_resolved'] },
    async ({ ctx, params, body }) => ({
      incident: await resolveIncident(ctx, params.id, body),
    }),
  ),
  api(
    'POST',
    '/api/watchdog/silences',
    { permission: 'silences.write', body: O.SilenceInput },
    { summary: 'Silence the notifications of matching incidents for a while (≤ 30 days)', ok: { 201: { description: 'created', schema: O.SilenceAnswer } } },
    async ({ ctx, body }) => reply(201, { silence: await createSilence(ctx, body) }),
  ),
  api(
    'GET',
    '/api/watchdog/silences',
    { permission: 'silences.read', query: O.SilenceQuery },
    { summary: 'Silences (`state=active|pending|expired|all`)', ok: { 200: { description: 'newest first', schema: O.SilenceList } } },
    async ({ ctx, query }) => ({
      silences: await listSilences(ctx.db, ctx.now, query.state),
    }),
  ),
  api(
    'DELETE',
    '/api/watchdog/silences/{id}',
    { permission: 'silences.write', params: IdParams },
    { summary: 'End a silence now', ok: { 200: { description: 'expired', schema: O.SilenceAnswer } }, errors: ['not_found'] },
    async ({ ctx, params }) => ({
      silence: await endSilence(ctx, params.id),
    }),
  ),
  api(
    'GET',
    '/api/watchdog/channels',
    { permission: 'channels.read' },
    { summary: 'Notification channels (secrets shown as "***")', ok: { 200: { description: 'channels', schema: O.ChannelList } } },
    async ({ ctx, req }) => {
      rememberConsoleOrigin(new URL(req.url).origin);
      return { channels: await listChannels(ctx.db) };
    },
  ),
  api(
    'POST',
    '/api/watchdog/channels',
    { permission: 'channels.manage', body: O.ChannelInput },
    { summary: 'Add a channel: webhook, slack, line or email', ok: { 201: { description: 'created', schema: O.ChannelAnswer } } },
    async ({ ctx, body }) => reply(201, { channel: await createChannel(ctx, body) }),
  ),
  api(
    'PATCH',
    '/api/watchdog/channels/{id}',
    { permission: 'channels.manage', params: IdParams, body: O.ChannelPatch },
    { summary: 'Change a channel (a secret sent as "***" or left out is kept)', ok: { 200: { description: 'changed', schema: O.ChannelAnswer } }, errors: ['not_found'] },
    async ({ ctx, params, body }) => ({
      channel: await updateChannel(ctx, params.id, body),
    }),
  ),
  api(
    'DELETE',
    '/api/watchdog/channels/{id}',
    { permission: 'channels.manage', params: IdParams },
    { summary: 'Delete a channel (its messages stay in the log)', ok: { 200: { description: 'deleted', schema: O.ChannelAnswer } }, errors: ['not_found'] },
    async ({ ctx, params }) => ({
      channel: await deleteChannel(ctx, params.id),
    }),
  ),
  api(
    'POST',
    '/api/watchdog/channels/{id}/test',
    { permission: 'channels.manage', params: IdParams },
    { summary: 'Send a test message now', ok: { 200: { description: 'the outcome', schema: O.ChannelTestAnswer } }, errors: ['not_found'] },
    async ({ ctx, params }) => ({
      delivery: await testChannel(ctx, params.id),
    }),
  ),
  api(
    'GET',
    '/api/watchdog/notifications',
    { permission: 'notifications.read', query: O.NotificationQuery },
    { summary: 'The delivery log, newest first', ok: { 200: { description: 'a page', schema: O.NotificationPage } } },
    ({ ctx, query }) => listNotifications(ctx.db, query),
  ),
  api(
    'POST',
    '/api/watchdog/learnings',
    { permission: 'learnings.write', body: LearningInput },
    { summary: 'Add what was learned from a stuck job (audited)', ok: { 201: { description: 'recorded', schema: LearningAnswer } }, errors: ['not_found'] },
    async ({ ctx, body }) => reply(201, { learning: await recordPersonLearning(ctx, body) }),
  ),
  api(
    'GET',
    '/api/watchdog/learnings',
    { permission: 'learnings.read', query: LearningQuery },
    { summary: "Learnings, newest first (worker: of its own jobs and job-less ones; `cursor`: the previous page's next_cursor)", ok: { 200: { description: 'a page', schema: LearningPage } } },
    ({ ctx, query }) => listLearnings(ctx, query),
  ),
  api(
    'GET',
    '/api/watchdog/metrics/d30',
    { permission: 'metrics.read', query: D30Query },
    { summary: 'The D30 figures and recommendation over a window (default: the last 30 days)', ok: { 200: { description: 'the figures', schema: D30Metrics } } },
    ({ ctx, query }) => computeD30Metrics(ctx.db, { from: query.from, to: query.to, now: ctx.now }),
  ),
  api(
    'POST',
    '/api/watchdog/metrics/d30/decision',
    { permission: 'd30.decide', body: D30DecisionInput },
    { summary: "Record the owner's D30 decision with a snapshot of the figures", ok: { 201: { description: 'recorded', schema: D30DecisionResult } } },
    async ({ ctx, body }) => reply(201, await recordD30Decision(ctx, body)),
  ),
  api(
    'GET',
    '/api/watchdog/overview',
    { permission: 'overview.read' },
    { summary: 'The console overview: rollout milestones derived from the data', ok: { 200: { description: 'the overview', schema: R.OverviewAnswer } } },
    ({ ctx }) => getOverview(ctx),
  ),
  api(
    'GET',
    '/api/watchdog/audit',
    { permission: 'audit.read', query: AuditQuery },
    {
      summary:
        'The audit log, newest first, filtered by `action` and `actor` (exact, or a prefix ending with `*`), `from` (at or after) and `to` (before) and `job_id`; `cursor`: the last id of the previous page',
      ok: { 200: { description: 'a page', schema: R.AuditPage } },
    },
    ({ ctx, query }) => listAudit(ctx.db, query),
  ),
  api(
    'GET',
    '/api/watchdog/audit/verify',
    { permission: 'audit.read' },
    { summary: 'Recompute the audit hash chain', ok: { 200: { description: 'the verification', schema: R.AuditVerification } } },
    ({ ctx }) => verifyAuditChain(ctx.db),
  ),
  api(
    'GET',
    '/api/watchdog/users',
    { permission: 'users.manage' },
    { summary: 'People: role (null while waiting for an owner), disabled, last sign-in', ok: { 200: { description: 'every person', schema: People.UserList } } },
    async ({ ctx }) => ({ users: await listUsers(ctx) }),
  ),
  api(
    'POST',
    '/api/watchdog/users',
    { permission: 'users.manage', body: People.UserCreateInput },
    { summary: 'Add a person who signs in with a password (at least 12 characters); audited', ok: { 201: { description: 'added', schema: People.UserAnswer } }, errors: ['email_taken'] },
    async ({ ctx, body }) => reply(201, { user: await createUser(ctx, body) }),
  ),
  api(
    'PATCH',
    '/api/watchdog/users/{id}',
    { permission: 'users.manage', params: IdParams, body: People.UserUpdateInput },
    {
      summary: "Change a person's role, disable or enable them (their sessions follow on their next request); audited",
      ok: { 200: { description: 'the person', schema: People.UserAnswer } },
      errors: ['not_found', 'last_owner'],
    },
    async ({ ctx, params, body }) => ({
      user: await updateUser(ctx, params.id, body),
    }),
  ),
  api(
    'GET',
    '/api/watchdog/me',
    { permission: 'me.manage' },
    { summary: 'The signed-in person and their own settings (the console language); API tokens: 403', ok: { 200: { description: 'the person', schema: People.MeAnswer } }, errors: ['not_found'] },
    async ({ ctx }) => ({ user: await getMySettings(ctx) }),
  ),
  api(
    'PATCH',
    '/api/watchdog/me',
    { permission: 'me.manage', body: People.MeUpdateInput },
    {
      summary: 'Change your own settings: `locale` (`en`, `zh-Hant`, or null to follow the browser), remembered for every browser you sign in from',
      ok: { 200: { description: 'the person', schema: People.MeAnswer } },
      errors: ['not_found'],
    },
    async ({ ctx, body }) => ({ user: await updateMySettings(ctx, body) }),
  ),
  api(
    'GET',
    '/api/watchdog/workers',
    { permission: 'workers.list', query: F.WorkersQuery },
    { summary: 'The fleet: every worker with its status, silent ones first (`include=retired`: also those not seen for 7 days)', ok: { 200: { description: 'workers', schema: F.WorkerList } } },
    async ({ ctx, query }) => ({
      workers: await listWorkers(ctx, { includeRetired: query.include === 'retired' }),
    }),
  ),
  api(
    'GET',
    '/api/watchdog/workers/{worker_id}',
    { permission: 'workers.read', params: F.WorkerIdParams },
    { summary: 'One worker, its recent jobs and its open incidents', ok: { 200: { description: 'the worker', schema: F.WorkerAnswer } }, errors: ['not_found'] },
    ({ ctx, params }) => getWorker(ctx, params.worker_id),
  ),
  api(
    'GET',
    '/api/watchdog/stream',
    { permission: 'live.read' },
    {
      summary:
        'Live updates (server-sent events): `incident`, `action`, `lease`, `rules`, `worker`, each `data:` the object as the REST API returns it; a comment line at least every 15 s; a change made through any console instance arrives within 1 s',
      ok: { 200: { description: 'an event stream that stays open', text: 'text/event-stream' } },
    },
    ({ runtime, req }) => openLiveStream(runtime, req.signal),
  ),
  api(
    'GET',
    '/api/watchdog/runner',
    { permission: 'runner.download' },
    {
      summary: 'The runner for worker machines: one file that needs only Node ≥ 20, with `X-Runner-Version` and `X-Checksum-Sha256` (hex sha256 of the body)',
      ok: { 200: { description: 'watchdog-runner.mjs', text: 'text/javascript' } },
    },
    async () => {
      const runner = await loadRunnerFile();
      return new Response(new Uint8Array(runner.body), {
        status: 200,
        headers: {
          'content-type': 'text/javascript; charset=utf-8',
          'content-disposition': 'attachment; filename="watchdog-runner.mjs"',
          'cache-control': 'no-store',
          'x-runner-version': runner.version,
          'x-checksum-sha256': runner.sha256,
        },
      });
    },
  ),
  api(
    'GET',
    '/api/metrics',
    { permission: 'prometheus.read' },
    { summary: 'Prometheus text exposition', ok: { 200: { description: 'metrics', text: 'text/plain; version=0.0.4; charset=utf-8' } } },
    async ({ ctx }) => {
      const { contentType, body } = await renderPrometheusMetrics(ctx.db);
      return new Response(body, { status: 200, headers: { 'content-type': contentType, 'cache-control': 'no-store' } });
    },
  ),
  api('GET', '/api/openapi.json', { permission: 'public' }, { summary: 'This document', ok: { 200: { description: 'OpenAPI 3.1', schema: z.record(z.string(), z.unknown()) } } }, async () =>
    buildOpenApiDocument(routeTable),
  ),
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

/** The node lane's dispatch: the routes marked `lane` (method, path, handler). */
export function laneRoutes(): { method: string; path: string; handle: RouteHandler }[] {
  return routeTable.filter((r) => r.lane).map((r) => ({ method: r.method, path: r.path, handle: r.handle }));
}
