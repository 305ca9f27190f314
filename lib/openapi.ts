import { z } from 'zod';
import pkg from '@/package.json';
import { type Permission, permissions } from '@/lib/auth/permissions';
import * as Admin from '@/lib/schemas/admin';
import * as Common from '@/lib/schemas/common';
import { ErrorBody } from '@/lib/schemas/common';
import * as Evidence from '@/lib/schemas/evidence';
import * as Fleet from '@/lib/schemas/fleet';
import * as Learnings from '@/lib/schemas/learnings';
import * as Metrics from '@/lib/schemas/metrics';
import * as Oncall from '@/lib/schemas/oncall';
import * as People from '@/lib/schemas/people';
import * as R from '@/lib/schemas/responses';
import { type ErrorCode, errorStatus } from '@/lib/watchdog/errors';
import type { HttpMethod } from '@/lib/http/methods';

interface Answer {
  description: string;
  /** a JSON body (registered as a component by its key in `components`) */
  schema?: z.ZodType;
  /** a non-JSON body, e.g. the Prometheus text */
  text?: string;
}

/** What the document says about an operation; the route table (lib/http/route-table.ts) holds one per route. */
export interface ApiOperation {
  method: HttpMethod;
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

/** Errors any authenticated call can answer with; bodies add the parse errors. */
const commonErrors: ErrorCode[] = ['unauthenticated', 'forbidden', 'rate_limited'];
const bodyErrors: ErrorCode[] = ['invalid_json', 'validation_failed', 'payload_too_large', 'unsupported_media_type'];

const errorDescriptions: Partial<Record<ErrorCode, string>> = {
  invalid_json: 'the body is not JSON',
  validation_failed: 'the body, query or path does not match the schema; `details` lists the fields',
  unauthenticated: 'no, unknown or revoked credentials',
  forbidden: "the role may not do this, or a worker acts for another worker_id or writes into a job another worker's active lease holds",
  not_found: 'unknown job, action, check or token',
  lease_conflict: 'another worker holds an active lease on the job',
  stale_fencing_token: "the caller's fencing token is older than the lease's",
  artifact_gate_failed: 'no passing artifact check for this job',
  idempotency_conflict: 'an id was reused with a different body',
  already_decided: 'a decision was already taken on this action',
  job_finished: 'a release/reclaim request for a job that is completed (or already released/reclaimed)',
  last_owner: 'the change would leave no active owner',
  incident_resolved: 'the incident is already resolved',
  email_taken: 'a person with this email exists',
  payload_too_large: 'body over 1 MiB',
  unsupported_media_type: 'the body is not `Content-Type: application/json`',
  output_hash_mismatch: '`output_hash` is not the sha256 of `output`',
  rate_limited: 'too many requests for this credential (`Retry-After` set)',
};

function componentName(schema: z.ZodType, names: Map<z.ZodType, string>): string {
  const name = names.get(schema);
  if (!name) throw new Error('schema without a component name');
  return name;
}

/** Every exported zod schema of lib/schemas, by its export name (a component is named after its schema). */
function schemaNames(): Map<z.ZodType, string> {
  const named: Record<string, unknown> = { ...R, ...Metrics, ...Common, ...Evidence, ...Admin, ...Fleet, ...People, ...Oncall, ...Learnings };
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
  for (const [where, schema] of [
    ['path', op.params],
    ['query', op.query],
  ] as const) {
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

const cache = new WeakMap<readonly ApiOperation[], JsonSchema>();

/** The OpenAPI 3.1 document of the console, generated from the route table and the zod schemas. */
export function buildOpenApiDocument(operations: readonly ApiOperation[]): JsonSchema {
  const cached = cache.get(operations);
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
  for (const op of operations) {
    const method = op.method.toLowerCase();
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
    const codes = new Set<ErrorCode>([
      ...(op.permission === 'public' ? ['rate_limited' as const] : commonErrors),
      ...(op.body ? bodyErrors : []),
      ...(op.params || op.query ? (['validation_failed'] as const) : []),
      ...(op.errors ?? []),
    ]);
    const byStatus = new Map<number, ErrorCode[]>();
    for (const code of codes) byStatus.set(errorStatus[code], [...(byStatus.get(errorStatus[code]) ?? []), code]);
    for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) {
      const r = errorResponse(list[0]);
      responses[String(status)] = list.length > 1 ? { ...r, description: list.map((c) => `\`${c}\`: ${errorDescriptions[c] ?? c}`).join('; ') } : r;
    }
    responses['500'] = { description: 'unexpected error (`internal_error`, no internals)', content: { 'application/json': { schema: ref(ErrorBody, 'output') } } };
    const params = parameters(op);
    paths[op.path] ??= {};
    paths[op.path][method] = {
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
  const doc: JsonSchema = {
    openapi: '3.1.0',
    info: {
      title: 'Worker Watchdog API',
      version: pkg.version,
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
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
  cache.set(operations, doc);
  return doc;
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
  return op.method.toLowerCase() + words.join('') + (op.path.endsWith('}') ? 'ById' : '');
}
