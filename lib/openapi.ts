import { z } from 'zod';
import pkg from '@/package.json';
import { type Permission, permissions } from '@/lib/auth/permissions';
import { AuditQuery, D30DecisionInput, D30Query, RulesPutInput, TokenCreateInput } from '@/lib/schemas/admin';
import { ErrorBody, IdParams, JobIdParams } from '@/lib/schemas/common';
import {
  ArtifactCheckInput,
  CompleteInput,
  DecisionInput,
  HelperEventBatchInput,
  HelperEventInput,
  JobListQuery,
  LeaseInput,
  RepairActionInput,
  RepairActionQuery,
  WorkerRunInput,
} from '@/lib/schemas/evidence';
import { D30DecisionResult, D30Metrics } from '@/lib/schemas/metrics';
import * as O from '@/lib/schemas/oncall';
import * as R from '@/lib/schemas/responses';
import { type ErrorCode, errorStatus } from '@/lib/watchdog/errors';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

interface Answer {
  description: string;
  /** a JSON body (registered as a component by its key in `components`) */
  schema?: z.ZodType;
  /** a non-JSON body, e.g. the Prometheus text */
  text?: string;
}

/** One row of the endpoint table: everything the document says about an operation. */
export interface ApiOperation {
  method: Method;
  path: string;
  summary: string;
  permission: Permission | 'public';
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  ok: Record<number, Answer>;
  /** error codes this operation answers with besides the ones every call can get */
  errors?: ErrorCode[];
}

/**
 * The endpoint table: API.md plus the console's own endpoints (jobs list, rule versions, overview,
 * the D30 decision, this document). Request and response schemas are the zod schemas of lib/schemas.
 */
export const apiOperations: ApiOperation[] = [
  { method: 'get', path: '/api/health', summary: 'Liveness and database reachability', permission: 'public', ok: { 200: { description: 'healthy', schema: R.HealthAnswer }, 503: { description: 'the database does not answer', schema: R.HealthAnswer } } },
  { method: 'post', path: '/api/watchdog/worker-runs', summary: 'Upsert one phase run of a worker', permission: 'workerRuns.write', body: WorkerRunInput, ok: { 201: { description: 'created', schema: R.WorkerRunAnswer }, 200: { description: 'updated', schema: R.WorkerRunAnswer } } },
  { method: 'patch', path: '/api/watchdog/job-leases/{job_id}', summary: 'Acquire or renew a lease (the heartbeat)', permission: 'leases.write', params: JobIdParams, body: LeaseInput, ok: { 200: { description: 'the lease and what the watchdog wants now', schema: R.LeaseAnswer } }, errors: ['lease_conflict', 'stale_fencing_token'] },
  { method: 'get', path: '/api/watchdog/job-leases/{job_id}', summary: 'Read a lease', permission: 'leases.read', params: JobIdParams, ok: { 200: { description: 'the lease', schema: R.LeaseAnswer } }, errors: ['not_found'] },
  { method: 'post', path: '/api/watchdog/helper-events', summary: 'Report one helper command (classified, idempotent by id)', permission: 'helperEvents.write', body: HelperEventInput, ok: { 201: { description: 'stored and classified', schema: R.HelperEventAnswer }, 200: { description: 'the same event again', schema: R.HelperEventAnswer } }, errors: ['output_hash_mismatch', 'idempotency_conflict'] },
  { method: 'post', path: '/api/watchdog/helper-events/batch', summary: 'Report up to 500 helper events, each judged on its own', permission: 'helperEvents.write', body: HelperEventBatchInput, ok: { 200: { description: 'one result per event', schema: R.HelperEventBatchAnswer } } },
  { method: 'post', path: '/api/watchdog/repair-actions', summary: 'Record a repair action (release/reclaim from worker or system: a pending request)', permission: 'repairActions.write', body: RepairActionInput, ok: { 201: { description: 'recorded', schema: R.RepairActionAnswer }, 200: { description: 'already recorded', schema: R.RepairActionAnswer } }, errors: ['idempotency_conflict'] },
  { method: 'get', path: '/api/watchdog/repair-actions', summary: 'List repair actions (`status=pending`: the approval queue)', permission: 'repairActions.read', query: RepairActionQuery, ok: { 200: { description: 'newest first', schema: R.RepairActionList } } },
  { method: 'post', path: '/api/watchdog/repair-actions/{id}/decision', summary: 'Approve or reject a pending release/reclaim', permission: 'repairActions.decide', params: IdParams, body: DecisionInput, ok: { 200: { description: 'decided', schema: R.DecisionAnswer } }, errors: ['not_found', 'already_decided'] },
  { method: 'post', path: '/api/watchdog/artifact-checks', summary: 'Let the server check an artifact itself', permission: 'artifactChecks.write', body: ArtifactCheckInput, ok: { 201: { description: 'the check (passed or not)', schema: R.ArtifactCheckAnswer } } },
  { method: 'post', path: '/api/watchdog/jobs/{job_id}/complete', summary: 'Complete a job through the artifact gate', permission: 'jobs.complete', params: JobIdParams, body: CompleteInput, ok: { 200: { description: 'completed', schema: R.CompleteAnswer } }, errors: ['not_found', 'stale_fencing_token', 'lease_conflict', 'artifact_gate_failed'] },
  { method: 'get', path: '/api/watchdog/jobs', summary: 'Jobs by their lease, newest activity first', permission: 'jobs.list', query: JobListQuery, ok: { 200: { description: 'jobs', schema: R.JobList } } },
  { method: 'get', path: '/api/watchdog/jobs/{job_id}', summary: "A job's whole evidence timeline", permission: 'jobs.read', params: JobIdParams, ok: { 200: { description: 'the timeline', schema: R.JobTimeline } }, errors: ['not_found'] },
  { method: 'get', path: '/api/watchdog/rules', summary: 'The rules in force', permission: 'rules.read', ok: { 200: { description: 'the current version', schema: R.RuleSet } } },
  { method: 'put', path: '/api/watchdog/rules', summary: 'Change the rules (a new version, audited)', permission: 'rules.write', body: RulesPutInput, ok: { 200: { description: 'the new version', schema: R.RuleSet } } },
  { method: 'get', path: '/api/watchdog/rules/versions', summary: 'Every rule version, newest first', permission: 'rules.read', ok: { 200: { description: 'versions', schema: R.RuleVersions } } },
  { method: 'post', path: '/api/watchdog/sweep', summary: 'Run the time-based detection once', permission: 'sweep.run', ok: { 200: { description: 'what the sweep found', schema: R.SweepAnswer } } },
  { method: 'post', path: '/api/watchdog/tokens', summary: 'Create an API token (the secret is shown once)', permission: 'tokens.manage', body: TokenCreateInput, ok: { 201: { description: 'created', schema: R.TokenCreated } } },
  { method: 'get', path: '/api/watchdog/tokens', summary: 'List tokens (never the secret)', permission: 'tokens.manage', ok: { 200: { description: 'tokens', schema: R.TokenList } } },
  { method: 'delete', path: '/api/watchdog/tokens/{id}', summary: 'Revoke a token', permission: 'tokens.manage', params: IdParams, ok: { 200: { description: 'revoked', schema: R.TokenAnswer } }, errors: ['not_found'] },
  ...oncallOperations(),
  { method: 'get', path: '/api/watchdog/metrics/d30', summary: 'The D30 figures and recommendation over a window (default: the last 30 days)', permission: 'metrics.read', query: D30Query, ok: { 200: { description: 'the figures', schema: D30Metrics } } },
  { method: 'post', path: '/api/watchdog/metrics/d30/decision', summary: "Record the owner's D30 decision with a snapshot of the figures", permission: 'd30.decide', body: D30DecisionInput, ok: { 201: { description: 'recorded', schema: D30DecisionResult } } },
  { method: 'get', path: '/api/watchdog/overview', summary: 'The console overview: rollout milestones derived from the data', permission: 'overview.read', ok: { 200: { description: 'the overview', schema: R.OverviewAnswer } } },
  { method: 'get', path: '/api/watchdog/audit', summary: 'The audit log, newest first (`cursor`: the last id of the previous page)', permission: 'audit.read', query: AuditQuery, ok: { 200: { description: 'a page', schema: R.AuditPage } } },
  { method: 'get', path: '/api/watchdog/audit/verify', summary: 'Recompute the audit hash chain', permission: 'audit.read', ok: { 200: { description: 'the verification', schema: R.AuditVerification } } },
  { method: 'get', path: '/api/metrics', summary: 'Prometheus text exposition', permission: 'prometheus.read', ok: { 200: { description: 'metrics', text: 'text/plain; version=0.0.4; charset=utf-8' } } },
  { method: 'get', path: '/api/openapi.json', summary: 'This document', permission: 'public', ok: { 200: { description: 'OpenAPI 3.1', schema: z.record(z.string(), z.unknown()) } } },
];

/** On-call: incidents people acknowledge and resolve, silences, notification channels and the delivery log. */
function oncallOperations(): ApiOperation[] {
  const id = IdParams;
  return [
    { method: 'get', path: '/api/watchdog/incidents', summary: 'Incidents, newest first, filtered (`status=open|acknowledged|unacknowledged|resolved|all`), paged by `cursor`', permission: 'incidents.read', query: O.IncidentListQuery, ok: { 200: { description: 'a page', schema: O.IncidentPage } } },
    { method: 'get', path: '/api/watchdog/incidents/{id}', summary: 'One incident with its delivery log and the silence that covers it', permission: 'incidents.read', params: id, ok: { 200: { description: 'the incident', schema: O.IncidentDetail } }, errors: ['not_found'] },
    { method: 'post', path: '/api/watchdog/incidents/{id}/acknowledge', summary: 'Acknowledge (stops the escalation; again: unchanged)', permission: 'incidents.handle', params: id, body: O.AcknowledgeInput, ok: { 200: { description: 'acknowledged', schema: O.IncidentAnswer } }, errors: ['not_found', 'incident_resolved'] },
    { method: 'post', path: '/api/watchdog/incidents/{id}/resolve', summary: 'Resolve with a note (channels that were told hear it)', permission: 'incidents.handle', params: id, body: O.ResolveInput, ok: { 200: { description: 'resolved', schema: O.IncidentAnswer } }, errors: ['not_found', 'incident_resolved'] },
    { method: 'post', path: '/api/watchdog/silences', summary: 'Silence the notifications of matching incidents for a while (≤ 30 days)', permission: 'silences.write', body: O.SilenceInput, ok: { 201: { description: 'created', schema: O.SilenceAnswer } } },
    { method: 'get', path: '/api/watchdog/silences', summary: 'Silences (`state=active|pending|expired|all`)', permission: 'silences.read', query: O.SilenceQuery, ok: { 200: { description: 'newest first', schema: O.SilenceList } } },
    { method: 'delete', path: '/api/watchdog/silences/{id}', summary: 'End a silence now', permission: 'silences.write', params: id, ok: { 200: { description: 'expired', schema: O.SilenceAnswer } }, errors: ['not_found'] },
    { method: 'get', path: '/api/watchdog/channels', summary: 'Notification channels (secrets shown as "***")', permission: 'channels.read', ok: { 200: { description: 'channels', schema: O.ChannelList } } },
    { method: 'post', path: '/api/watchdog/channels', summary: 'Add a channel: webhook, slack, line or email', permission: 'channels.manage', body: O.ChannelInput, ok: { 201: { description: 'created', schema: O.ChannelAnswer } } },
    { method: 'patch', path: '/api/watchdog/channels/{id}', summary: 'Change a channel (a secret sent as "***" or left out is kept)', permission: 'channels.manage', params: id, body: O.ChannelPatch, ok: { 200: { description: 'changed', schema: O.ChannelAnswer } }, errors: ['not_found'] },
    { method: 'delete', path: '/api/watchdog/channels/{id}', summary: 'Delete a channel (its messages stay in the log)', permission: 'channels.manage', params: id, ok: { 200: { description: 'deleted', schema: O.ChannelAnswer } }, errors: ['not_found'] },
    { method: 'post', path: '/api/watchdog/channels/{id}/test', summary: 'Send a test message now', permission: 'channels.manage', params: id, ok: { 200: { description: 'the outcome', schema: O.ChannelTestAnswer } }, errors: ['not_found'] },
    { method: 'get', path: '/api/watchdog/notifications', summary: 'The delivery log, newest first', permission: 'notifications.read', query: O.NotificationQuery, ok: { 200: { description: 'a page', schema: O.NotificationPage } } },
  ];
}

/** Errors any authenticated call can answer with; bodies add the parse errors. */
const commonErrors: ErrorCode[] = ['unauthenticated', 'forbidden', 'rate_limited'];
const bodyErrors: ErrorCode[] = ['invalid_json', 'validation_failed', 'payload_too_large'];

const errorDescriptions: Partial<Record<ErrorCode, string>> = {
  invalid_json: 'the body is not JSON',
  validation_failed: 'the body, query or path does not match the schema; `details` lists the fields',
  unauthenticated: 'no, unknown or revoked credentials',
  forbidden: 'the role may not do this, or a worker acts for another worker_id',
  not_found: 'unknown job, action, check or token',
  lease_conflict: 'another worker holds an active lease on the job',
  stale_fencing_token: "the caller's fencing token is older than the lease's",
  artifact_gate_failed: 'no passing artifact check for this job',
  idempotency_conflict: 'an id was reused with a different body',
  already_decided: 'a decision was already taken on this action',
  incident_resolved: 'the incident is already resolved',
  payload_too_large: 'body over 1 MiB',
  output_hash_mismatch: '`output_hash` is not the sha256 of `output`',
  rate_limited: 'too many requests for this credential (`Retry-After` set)',
};

function componentName(schema: z.ZodType, names: Map<z.ZodType, string>): string {
  const name = names.get(schema);
  if (!name) throw new Error('schema without a component name');
  return name;
}

/** Every exported zod schema of lib/schemas that the table uses, by its export name. */
function schemaNames(): Map<z.ZodType, string> {
  const named: Record<string, unknown> = {
    ...R,
    ...O,
    D30Metrics,
    D30DecisionResult,
    ErrorBody,
    WorkerRunInput,
    LeaseInput,
    HelperEventInput,
    HelperEventBatchInput,
    RepairActionInput,
    DecisionInput,
    ArtifactCheckInput,
    CompleteInput,
    RulesPutInput,
    TokenCreateInput,
    D30DecisionInput,
  };
  const names = new Map<z.ZodType, string>();
  for (const [name, value] of Object.entries(named)) if (value instanceof z.ZodType && !names.has(value)) names.set(value, name);
  return names;
}

type JsonSchema = Record<string, unknown>;

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete json.$schema;
  return json;
}

function parameters(op: ApiOperation) {
  const out: JsonSchema[] = [];
  for (const [where, schema] of [['path', op.params], ['query', op.query]] as const) {
    if (!schema) continue;
    const json = toSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, prop] of Object.entries(json.properties ?? {})) {
      const { description, ...rest } = prop as JsonSchema & { description?: string };
      out.push({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: rest, ...(description ? { description } : {}) });
    }
  }
  return out;
}

function securityFor(permission: ApiOperation['permission']) {
  if (permission === 'public') return { security: [] as object[], roles: [] as string[] };
  const roles = [...permissions[permission]] as string[];
  const session = roles.includes('supervisor') || roles.includes('owner');
  return { security: session ? [{ bearer: [] }, { session: [] }] : [{ bearer: [] }], roles };
}

let cached: JsonSchema | null = null;

/** The OpenAPI 3.1 document of the console, generated from the endpoint table and the zod schemas. */
export function buildOpenApiDocument(): JsonSchema {
  if (cached) return cached;
  const names = schemaNames();
  const components: Record<string, JsonSchema> = {};
  const ref = (schema: z.ZodType, io: 'input' | 'output') => {
    const name = componentName(schema, names);
    components[name] ??= toSchema(schema, io);
    return { $ref: `#/components/schemas/${name}` };
  };
  const errorResponse = (code: ErrorCode) => ({
    description: `\`${code}\`: ${errorDescriptions[code] ?? code}`,
    content: { 'application/json': { schema: ref(ErrorBody, 'output') } },
  });

  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of apiOperations) {
    const { security, roles } = securityFor(op.permission);
    const responses: Record<string, JsonSchema> = {};
    for (const [status, answer] of Object.entries(op.ok)) {
      responses[status] = {
        description: answer.description,
        ...(answer.schema
          ? { content: { 'application/json': { schema: names.has(answer.schema) ? ref(answer.schema, 'output') : toSchema(answer.schema, 'output') } } }
          : answer.text
            ? { content: { [answer.text]: { schema: { type: 'string' } } } }
            : {}),
      };
    }
    const codes = new Set<ErrorCode>([...(op.permission === 'public' ? ['rate_limited' as const] : commonErrors), ...(op.body ? bodyErrors : []), ...(op.params || op.query ? (['validation_failed'] as const) : []), ...(op.errors ?? [])]);
    const byStatus = new Map<number, ErrorCode[]>();
    for (const code of codes) byStatus.set(errorStatus[code], [...(byStatus.get(errorStatus[code]) ?? []), code]);
    for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) {
      const r = errorResponse(list[0]);
      responses[String(status)] = list.length > 1 ? { ...r, description: list.map((c) => `\`${c}\`: ${errorDescriptions[c] ?? c}`).join('; ') } : r;
    }
    responses['500'] = { description: 'unexpected error (`internal_error`, no internals)', content: { 'application/json': { schema: ref(ErrorBody, 'output') } } };
    const params = parameters(op);
    paths[op.path] ??= {};
    paths[op.path][op.method] = {
      operationId: operationId(op),
      summary: op.summary,
      tags: [tagOf(op.path)],
      security,
      ...(roles.length ? { 'x-roles': roles } : {}),
      ...(params.length ? { parameters: params } : {}),
      ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: ref(op.body, 'input') } } } } : {}),
      responses,
    };
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'Worker Watchdog API',
      version: pkg.version,
      description:
        'The HTTP contract of the Worker Watchdog console. Every non-2xx answer has the body `{"error": {"code", "message", "details"?}}`. ' +
        'Roles: worker (bearer token bound to one worker_id), system (bearer), supervisor and owner (bearer or browser session). `x-roles` lists who may call an operation.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/' }],
    security: [{ bearer: [] }, { session: [] }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'an API token (`wdt_…`) created by an owner or with `watchdog token create`' },
        session: { type: 'apiKey', in: 'cookie', name: 'next-auth.session-token', description: 'a browser session (next-auth; `__Secure-next-auth.session-token` over https)' },
      },
    },
  };
  return cached;
}

function tagOf(path: string): string {
  const part = path.replace(/^\/api\/(watchdog\/)?/, '').split('/')[0];
  return part || 'console';
}

function operationId(op: ApiOperation): string {
  const words = op.path
    .replace(/^\/api\/(watchdog\/)?/, '')
    .split(/[/.-]/)
    .filter((w) => w && !w.startsWith('{'))
    .map((w) => w[0].toUpperCase() + w.slice(1));
  return op.method + words.join('') + (op.path.endsWith('}') ? 'ById' : '');
}
