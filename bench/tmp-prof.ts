import fs from 'node:fs';
import pg from 'pg';
import { closedLoop, sendJsonLean, startConsole, startPostgres, fmt, treeCpuSeconds } from './lib';
const postgres = await startPostgres();
fs.rmSync('/tmp/prof', { recursive: true, force: true });
const server = await startConsole('postgres', { databaseUrl: postgres.url, nodeArgs: process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [] });
const until = () => new Date(Date.now() + 600_000).toISOString();
const jobs = Array.from({ length: 8 }, (_, k) => `renew-${k}`);
const tokens: number[] = [];
for (const j of jobs) {
  const r = (await sendJsonLean('PATCH', `${server.url}/api/watchdog/job-leases/${j}`, server.tokens.worker, { worker_id: 'w-1', lease_expires_at: until() }, [200, 201])) as { lease: { fencing_token: number } };
  tokens.push(r.lease.fencing_token);
}
const pc = new pg.Client({ connectionString: postgres.url }); await pc.connect();
const stat = async () => (await pc.query("select xact_commit::int c, tup_inserted::int i, tup_updated::int u, tup_fetched::int f from pg_stat_database where datname = current_database()")).rows[0];
if (process.env.LOGSQL) { await pc.query("alter system set log_statement = 'all'"); await pc.query('select pg_reload_conf()'); await new Promise((r) => setTimeout(r, 300));
  for (let k = 0; k < 3; k++) await sendJsonLean('PATCH', `${server.url}/api/watchdog/job-leases/${jobs[0]}`, server.tokens.worker, { worker_id: 'w-1', lease_expires_at: until(), fencing_token: tokens[0] }, [200]);
  await pc.query("alter system set log_statement = 'none'"); await pc.query('select pg_reload_conf()'); console.log('LOGDIR', postgres.url); }
await new Promise((r) => setTimeout(r, 600));
const s0 = await stat();
const cpu0 = treeCpuSeconds(server.pid);
const r = await closedLoop({ concurrency: 8, maxOps: 1e9, maxMs: 6000, op: async (i) => {
  const k = i % 8;
  await sendJsonLean('PATCH', `${server.url}/api/watchdog/job-leases/${jobs[k]}`, server.tokens.worker, { worker_id: 'w-1', lease_expires_at: until(), fencing_token: tokens[k] }, [200]);
} });
const cpu = treeCpuSeconds(server.pid) - cpu0;
await new Promise((r) => setTimeout(r, 600));
const s1 = await stat();
console.log('per request: commits', fmt((s1.c - s0.c) / r.ops, 2), 'inserts', fmt((s1.i - s0.i) / r.ops, 2), 'updates', fmt((s1.u - s0.u) / r.ops, 2));
await pc.end();
console.log('renewals 8 clients', fmt(r.rate), 'req/s; server CPU ms/req', fmt((cpu * 1000) / r.ops, 2));
await server.stop();
if (!process.env.LOGSQL) postgres.stop();
