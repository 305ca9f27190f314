import pg from 'pg';
import { closedLoop, startPostgres, fmt, loadAvg } from './lib';
const postgres = await startPostgres();
const { prepareDatabase } = await import('../lib/watchdog/runtime');
const d = await prepareDatabase({ url: postgres.url, dataDir: '/tmp/x' });
await d.close();
const pool = new pg.Pool({ connectionString: postgres.url, max: 10 });
const N = 64;
await pool.query(`insert into job_leases (job_id, worker_id, fencing_token, state, lease_expires_at, last_heartbeat_at, acquired_at, updated_at)
  select 'job-'||g, 'w-1', 1, 'active', now() + interval '1 hour', now(), now(), now() from generate_series(1, ${N}) g`);
async function run(label: string, clients: number) {
  const r = await closedLoop({ concurrency: clients, maxOps: 1e9, maxMs: 3000, op: async (i) => {
    const job = 'job-' + (1 + (i % N));
    await pool.query(`with renewed as (update job_leases set lease_expires_at = now() + interval '1 hour', last_heartbeat_at = now(), updated_at = now() where job_id = $1 returning *),
      h as (insert into lease_history (job_id, worker_id, fencing_token, lease_expires_at, event, at, actor) select job_id, worker_id, fencing_token, lease_expires_at, 'renewed', now(), 'x' from renewed) select * from renewed`, [job]);
  } });
  console.log(label, clients, fmt(r.rate), 'ops/s', 'load', loadAvg());
}
for (const round of [1, 2]) {
  await pool.query('alter table job_leases enable trigger job_leases_live');
  await run(`r${round} trigger on `, 1); await run(`r${round} trigger on `, 8);
  await pool.query('alter table job_leases disable trigger job_leases_live');
  await run(`r${round} trigger off`, 1); await run(`r${round} trigger off`, 8);
}
await pool.end(); postgres.stop();
