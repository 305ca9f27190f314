import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAllowed, type Permission } from '@/lib/auth/permissions';
import type { Role } from '@/lib/watchdog/context';
import { findAuditByRequestIds } from './helpers/audit-search';
import { api, helperEvent, inFuture, testServers, uniqueJob } from './helpers/http';
import type { TestServer } from './helpers/test-server';

type Caller = 'anonymous' | Role;
const callers: Caller[] = ['anonymous', 'worker', 'system', 'supervisor', 'owner'];
const roles: Role[] = ['worker', 'system', 'supervisor', 'owner'];

/** The seeded tokens' audit labels (role:name, see test/helpers/test-server.ts). */
const callerLabel: Record<Caller, string> = {
  anonymous: 'anonymous',
  worker: 'worker:test-w1',
  system: 'system:test-system',
  supervisor: 'supervisor:test-supervisor',
  owner: 'owner:test-owner',
};

interface Fixture {
  server: TestServer;
  /** leased by w-1 */
  jobA: string;
  /** leased by w-1, no artifact check: complete answers artifact_gate_failed */
  jobC: string;
}

interface Endpoint {
  /** the route name the wrapper writes to the audit log */
  route: string;
  method: string;
  /** the permission-table verb the route is meant to use */
  permission: Permission | 'public';
  /**
   * Who may call it, written from API.md's role table and endpoint list — on purpose NOT from
   * lib/auth/permissions.ts, so a wrong permission table makes this test fail.
   */
  apiMd: readonly Role[] | 'public';
  /** the status an allowed caller gets with the request below (never 401/403) */
  allowedStatus: number;
  request: (caller: Caller, fx: Fixture) => { path: string; body?: unknown };
}

const any: readonly Role[] = ['worker', 'system', 'supervisor', 'owner'];
const workerOrSystem: readonly Role[] = ['worker', 'system'];
const readers: readonly Role[] = ['system', 'supervisor', 'owner'];

const endpoints: Endpoint[] = [
  { route: 'GET /api/health', method: 'GET', permission: 'public', apiMd: 'public', allowedStatus: 200, request: () => ({ path: '/api/health' }) },
  {
    route: 'POST /worker-runs',
    method: 'POST',
    permission: 'workerRuns.write',
    apiMd: workerOrSystem, // "worker (own), system"
    allowedStatus: 201,
    request: (_c, fx) => ({
      path: '/api/watchdog/worker-runs',
      body: { id: randomUUID(), worker_id: 'w-1', job_id: fx.jobA, phase: 'build', status: 'ok', started_at: new Date().toISOString() },
    }),
  },
  {
    route: 'PATCH /job-leases/:job_id',
    method: 'PATCH',
    permission: 'leases.write',
    apiMd: workerOrSystem, // "worker (own), system"
    allowedStatus: 200,
    request: () => ({ path: `/api/watchdog/job-leases/${uniqueJob('perm-l')}`, body: { worker_id: 'w-1', lease_expires_at: inFuture(900) } }),
  },
  {
    route: 'GET /job-leases/:job_id',
    method: 'GET',
    permission: 'leases.read',
    apiMd: any, // "any role (worker: own jobs)"
    allowedStatus: 200,
    request: (_c, fx) => ({ path: `/api/watchdog/job-leases/${fx.jobA}` }),
  },
  {
    route: 'POST /helper-events',
    method: 'POST',
    permission: 'helperEvents.write',
    apiMd: workerOrSystem,
    allowedStatus: 201,
    request: (_c, fx) => ({ path: '/api/watchdog/helper-events', body: helperEvent({ job_id: fx.jobA }) }),
  },
  {
    route: 'POST /helper-events/batch',
    method: 'POST',
    permission: 'helperEvents.write',
    apiMd: workerOrSystem, // "same roles"
    allowedStatus: 200,
    request: (_c, fx) => ({ path: '/api/watchdog/helper-events/batch', body: { events: [helperEvent({ job_id: fx.jobA })] } }),
  },
  {
    route: 'POST /repair-actions',
    method: 'POST',
    permission: 'repairActions.write',
    apiMd: ['worker', 'system', 'supervisor'], // "worker (own job), system, supervisor"
    allowedStatus: 201,
    request: (c, fx) => ({
      path: '/api/watchdog/repair-actions',
      // the authority is the caller's own role; the owner has no authority of its own
      body: { job_id: fx.jobA, trigger: 'permission-matrix', action: 'touch', authority: c === 'worker' || c === 'system' ? c : 'supervisor' },
    }),
  },
  {
    route: 'GET /repair-actions',
    method: 'GET',
    permission: 'repairActions.read',
    apiMd: ['supervisor', 'owner', 'system'], // "lists (supervisor, owner, system)"
    allowedStatus: 200,
    request: () => ({ path: '/api/watchdog/repair-actions?status=pending' }),
  },
  {
    route: 'POST /repair-actions/:id/decision',
    method: 'POST',
    permission: 'repairActions.decide',
    apiMd: ['supervisor'],
    allowedStatus: 404, // an unknown action: past the permission check
    request: () => ({ path: `/api/watchdog/repair-actions/${randomUUID()}/decision`, body: { decision: 'approve' } }),
  },
  {
    route: 'POST /artifact-checks',
    method: 'POST',
    permission: 'artifactChecks.write',
    apiMd: workerOrSystem,
    allowedStatus: 201,
    request: (_c, fx) => ({ path: '/api/watchdog/artifact-checks', body: { job_id: fx.jobA, primary_url: `${fx.server.url}/api/health`, files: [{ name: 'a.txt' }] } }),
  },
  {
    route: 'POST /jobs/:job_id/complete',
    method: 'POST',
    permission: 'jobs.complete',
    apiMd: workerOrSystem,
    allowedStatus: 409, // no artifact check for jobC: the gate refuses, after the permission check
    request: (_c, fx) => ({ path: `/api/watchdog/jobs/${fx.jobC}/complete`, body: { worker_id: 'w-1', fencing_token: 1 } }),
  },
  {
    route: 'GET /jobs/:job_id',
    method: 'GET',
    permission: 'jobs.read',
    apiMd: any, // "any role (worker: own)"
    allowedStatus: 200,
    request: (_c, fx) => ({ path: `/api/watchdog/jobs/${fx.jobA}` }),
  },
  { route: 'GET /rules', method: 'GET', permission: 'rules.read', apiMd: any, allowedStatus: 200, request: () => ({ path: '/api/watchdog/rules' }) },
  {
    route: 'PUT /rules',
    method: 'PUT',
    permission: 'rules.write',
    apiMd: ['owner'],
    allowedStatus: 400, // an empty rule list: refused by the schema, after the permission check, so no new version
    request: () => ({ path: '/api/watchdog/rules', body: { rules: [] } }),
  },
  {
    route: 'POST /rules/preview',
    method: 'POST',
    permission: 'rules.preview',
    apiMd: ['supervisor', 'owner'], // part 2, "Rules preview (replay)"
    allowedStatus: 200,
    request: () => ({ path: '/api/watchdog/rules/preview', body: { rules: [{ signal: 'fetch_failed', threshold: 3 }] } }),
  },
  { route: 'POST /sweep', method: 'POST', permission: 'sweep.run', apiMd: ['system', 'supervisor'], allowedStatus: 200, request: () => ({ path: '/api/watchdog/sweep' }) },
  {
    route: 'POST /tokens',
    method: 'POST',
    permission: 'tokens.manage',
    apiMd: ['owner'],
    allowedStatus: 400, // a role that does not exist: no token is made
    request: () => ({ path: '/api/watchdog/tokens', body: { role: 'nobody', name: 'matrix' } }),
  },
  { route: 'GET /tokens', method: 'GET', permission: 'tokens.manage', apiMd: ['owner'], allowedStatus: 200, request: () => ({ path: '/api/watchdog/tokens' }) },
  {
    route: 'DELETE /tokens/:id',
    method: 'DELETE',
    permission: 'tokens.manage',
    apiMd: ['owner'],
    allowedStatus: 404,
    request: () => ({ path: `/api/watchdog/tokens/${randomUUID()}` }),
  },
  { route: 'GET /users', method: 'GET', permission: 'users.manage', apiMd: ['owner'], allowedStatus: 200, request: () => ({ path: '/api/watchdog/users' }) },
  {
    route: 'POST /users',
    method: 'POST',
    permission: 'users.manage',
    apiMd: ['owner'],
    allowedStatus: 400, // a password too short: nobody is added
    request: () => ({ path: '/api/watchdog/users', body: { email: 'matrix@example.test', role: 'supervisor', password: 'short' } }),
  },
  {
    route: 'PATCH /users/:id',
    method: 'PATCH',
    permission: 'users.manage',
    apiMd: ['owner'],
    allowedStatus: 404,
    request: () => ({ path: `/api/watchdog/users/${randomUUID()}`, body: { role: 'owner' } }),
  },
  { route: 'GET /incidents', method: 'GET', permission: 'incidents.read', apiMd: readers, allowedStatus: 200, request: () => ({ path: '/api/watchdog/incidents?status=all' }) },
  { route: 'GET /audit', method: 'GET', permission: 'audit.read', apiMd: ['supervisor', 'owner'], allowedStatus: 200, request: () => ({ path: '/api/watchdog/audit?limit=1' }) },
  { route: 'GET /audit/verify', method: 'GET', permission: 'audit.read', apiMd: ['supervisor', 'owner'], allowedStatus: 200, request: () => ({ path: '/api/watchdog/audit/verify' }) },
  // Not in API.md's list: the job list reads like incidents (system, supervisor, owner), rule versions like the rules.
  { route: 'GET /jobs', method: 'GET', permission: 'jobs.list', apiMd: readers, allowedStatus: 200, request: () => ({ path: '/api/watchdog/jobs' }) },
  { route: 'GET /rules/versions', method: 'GET', permission: 'rules.read', apiMd: any, allowedStatus: 200, request: () => ({ path: '/api/watchdog/rules/versions' }) },
  // API.md part 2: the runner file, for any authenticated role
  { route: 'GET /runner', method: 'GET', permission: 'runner.download', apiMd: any, allowedStatus: 200, request: () => ({ path: '/api/watchdog/runner' }) },
  // API.md part 2, "Learning memory"
  {
    route: 'POST /learnings',
    method: 'POST',
    permission: 'learnings.write',
    apiMd: ['supervisor', 'owner'], // "supervisor, owner"
    allowedStatus: 400, // nothing learned: nothing stored
    request: () => ({ path: '/api/watchdog/learnings', body: { learned: [] } }),
  },
  { route: 'GET /learnings', method: 'GET', permission: 'learnings.read', apiMd: any, allowedStatus: 200, request: () => ({ path: '/api/watchdog/learnings?limit=1' }) }, // "any role"
];

describe('the permission table agrees with API.md', () => {
  it.each(endpoints.filter((e) => e.permission !== 'public'))('$route ($permission)', (e) => {
    for (const role of roles) expect({ role, allowed: isAllowed(role, e.permission as Permission) }).toEqual({ role, allowed: (e.apiMd as Role[]).includes(role) });
  });
});

describe.each(testServers())('permission matrix over HTTP on $name', (server) => {
  const fx = { server } as Fixture;
  const token = (c: Caller) => (c === 'anonymous' ? null : server.tokens[c]);
  // each anonymous call comes from its own (documentation-range) address, as a proxy would report it,
  // so that the per-address bound on auditing 401s never hides one of them
  const anonymousAddress = () => `198.51.100.${Math.floor(Math.random() * 250) + 1}, 10.0.0.${Math.floor(Math.random() * 250) + 1}`;
  const refused: { requestId: string; caller: Caller; route: string; path: string; status: number }[] = [];

  beforeAll(async () => {
    fx.jobA = uniqueJob('perm-a');
    fx.jobC = uniqueJob('perm-c');
    for (const job of [fx.jobA, fx.jobC]) {
      const r = await api(server, server.tokens.worker, 'PATCH', `/api/watchdog/job-leases/${job}`, { worker_id: 'w-1', lease_expires_at: inFuture(3600) });
      expect(r.status).toBe(200);
    }
  });

  it.each(endpoints)('$method $route: allowed exactly for the roles API.md names', async (e) => {
    const outcome: Record<string, number> = {};
    const expected: Record<string, number> = {};
    for (const caller of callers) {
      const { path, body } = e.request(caller, fx);
      const requestId = `perm-${randomUUID()}`;
      const headers: Record<string, string> = { 'x-request-id': requestId };
      if (caller === 'anonymous') headers['x-forwarded-for'] = anonymousAddress();
      const r = await api(server, token(caller), e.method, path, body, headers);
      outcome[caller] = r.status;
      const allowed = e.apiMd === 'public' || (caller !== 'anonymous' && e.apiMd.includes(caller));
      expected[caller] = allowed ? e.allowedStatus : caller === 'anonymous' ? 401 : 403;
      if (!allowed) {
        expect(r.body.error.code).toBe(caller === 'anonymous' ? 'unauthenticated' : 'forbidden');
        refused.push({ requestId, caller, route: e.route, path: path.split('?')[0], status: r.status });
      }
    }
    expect(outcome).toEqual(expected);
  });

  it('wrote every 401 and 403 of the matrix to the audit log with the caller and the route', async () => {
    const expectedRefusals = endpoints.reduce((n, e) => n + (e.apiMd === 'public' ? 0 : callers.length - e.apiMd.length), 0);
    expect(refused.length).toBe(expectedRefusals);
    const found = await findAuditByRequestIds(
      server,
      refused.map((r) => r.requestId),
    );
    const missing = refused.filter((r) => !found.has(r.requestId));
    expect(missing).toEqual([]);
    for (const r of refused) {
      const entry = found.get(r.requestId)!;
      expect(entry).toMatchObject({
        actor: callerLabel[r.caller],
        actor_role: r.caller === 'anonymous' ? null : r.caller,
        action: r.status === 401 ? 'access.unauthenticated' : 'access.forbidden',
        target: r.route,
        details: { route: r.route, path: r.path, status: r.status },
      });
    }
  });

  it('refuses a worker acting for another worker_id on every worker endpoint, audits it, and changes nothing', async () => {
    const jobW2 = uniqueJob('perm-w2');
    const held = await api(server, server.tokens.worker2, 'PATCH', `/api/watchdog/job-leases/${jobW2}`, { worker_id: 'w-2', lease_expires_at: inFuture(3600) });
    expect(held.status).toBe(200);
    const otherRun = randomUUID();
    const otherEvent = helperEvent({ job_id: jobW2, worker_id: 'w-2' });
    const attempts: { method: string; path: string; body?: unknown }[] = [
      { method: 'POST', path: '/api/watchdog/worker-runs', body: { id: otherRun, worker_id: 'w-2', job_id: jobW2, phase: 'build', status: 'ok', started_at: new Date().toISOString() } },
      { method: 'PATCH', path: `/api/watchdog/job-leases/${jobW2}`, body: { worker_id: 'w-2', lease_expires_at: inFuture(7200), fencing_token: 1 } },
      { method: 'PATCH', path: `/api/watchdog/job-leases/${uniqueJob('perm-w2-new')}`, body: { worker_id: 'w-2', lease_expires_at: inFuture(600) } },
      { method: 'GET', path: `/api/watchdog/job-leases/${jobW2}` },
      { method: 'POST', path: '/api/watchdog/helper-events', body: otherEvent },
      { method: 'POST', path: '/api/watchdog/repair-actions', body: { job_id: jobW2, trigger: 'steal', action: 'touch', authority: 'worker' } },
      { method: 'POST', path: '/api/watchdog/repair-actions', body: { job_id: jobW2, trigger: 'steal', action: 'release', authority: 'worker' } },
      { method: 'POST', path: '/api/watchdog/artifact-checks', body: { job_id: jobW2, primary_url: `${server.url}/api/health` } },
      { method: 'POST', path: `/api/watchdog/jobs/${jobW2}/complete`, body: { worker_id: 'w-2', fencing_token: 1 } },
      { method: 'GET', path: `/api/watchdog/jobs/${jobW2}` },
    ];
    const ids: string[] = [];
    for (const a of attempts) {
      const requestId = `perm-own-${randomUUID()}`;
      ids.push(requestId);
      const r = await api(server, server.tokens.worker, a.method, a.path, a.body, { 'x-request-id': requestId });
      expect({ ...a, status: r.status, code: r.body?.error?.code }).toMatchObject({ status: 403, code: 'forbidden' });
    }
    // a batch judges each event alone: the other worker's event is refused, the own one stored
    const ownEvent = helperEvent({ job_id: uniqueJob('perm-own') });
    const batchId = `perm-own-batch-${randomUUID()}`;
    const batch = await api(server, server.tokens.worker, 'POST', '/api/watchdog/helper-events/batch', { events: [otherEvent, ownEvent] }, { 'x-request-id': batchId });
    expect(batch.status).toBe(200);
    expect(batch.body.results.map((r: { status: number }) => r.status)).toEqual([403, 201]);
    expect(batch.body.results[0].error.code).toBe('forbidden');

    const found = await findAuditByRequestIds(server, [...ids, batchId]);
    for (const id of ids) expect(found.get(id), id).toMatchObject({ actor: 'worker:test-w1', actor_role: 'worker', action: 'access.forbidden' });
    expect(found.get(batchId)).toMatchObject({ action: 'access.forbidden', target: 'POST /helper-events/batch', details: { refused_event_ids: [otherEvent.id], refused_count: 1 } });

    // nothing changed for w-2's job
    const lease = await api(server, server.tokens.worker2, 'GET', `/api/watchdog/job-leases/${jobW2}`);
    expect(lease.body.lease).toMatchObject({ worker_id: 'w-2', fencing_token: 1, state: 'active', lease_expires_at: held.body.lease.lease_expires_at });
    const timeline = await api(server, server.tokens.system, 'GET', `/api/watchdog/jobs/${jobW2}`);
    expect(timeline.status).toBe(200);
    expect({ runs: timeline.body.runs, events: timeline.body.events, actions: timeline.body.actions, checks: timeline.body.checks }).toEqual({ runs: [], events: [], actions: [], checks: [] });
  });
});
