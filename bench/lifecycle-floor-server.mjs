// The floor of the watchdog's job lifecycle on this machine, for bench/lifecycle.ts: a bare node:http
// server (no framework, no auth, no validation) that serves the four requests of one job, each doing
// its one write through a `pg` pool (16) — the lease INSERT, the helper event INSERT, the artifact
// check (one GET of the artifact URL, then its INSERT) and the complete UPDATE. What is left of the
// design when everything the watchdog adds is free.
import http from 'node:http';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 16 });
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function getStatus(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
  });
}

async function handle(method, path, e) {
  const parts = path.split('/');
  if (method === 'PATCH' && parts[1] === 'lease') {
    await pool.query(
      `insert into bench_floor_leases (job_id, worker_id, fencing_token, lease_expires_at, state) values ($1, $2, 1, $3, 'active')
       on conflict (job_id) do update set lease_expires_at = excluded.lease_expires_at`,
      [parts[2], e.worker_id, e.lease_expires_at],
    );
    return [200, { lease: { job_id: parts[2], fencing_token: 1 } }];
  }
  if (method === 'POST' && parts[1] === 'event') {
    await pool.query(
      `insert into bench_raw_events (id, job_id, worker_id, command, phase, exit_code, output, output_hash, error_code, duration_ms, created_at, received_at, signal, rule_version, suggested_actions, incident_id, body_hash)
       values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`,
      [e.id, e.job_id, e.worker_id, e.command, e.phase, e.exit_code, e.output, e.output_hash, null, e.duration_ms, new Date(), new Date(), null, 1, '[]', null, e.output_hash],
    );
    return [201, { event: { id: e.id } }];
  }
  if (method === 'POST' && parts[1] === 'check') {
    const status = await getStatus(e.primary_url);
    await pool.query(`insert into bench_floor_checks (job_id, primary_url, http_status, passed) values ($1, $2, $3, $4)`, [e.job_id, e.primary_url, status, status === 200]);
    return [201, { check: { passed: status === 200 } }];
  }
  if (method === 'POST' && parts[1] === 'complete') {
    await pool.query(`update bench_floor_leases set state = 'completed' where job_id = $1`, [parts[2]]);
    return [200, { completed: true }];
  }
  return [404, { error: { code: 'not_found' } }];
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const [status, body] = await handle(req.method, req.url, JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')).catch((err) => [500, { error: String(err) }]);
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
});

await pool.query('create table if not exists bench_raw_events (like helper_events including all)');
await pool.query(
  `create table if not exists bench_floor_leases (job_id text primary key, worker_id text not null, fencing_token bigint not null, lease_expires_at timestamptz not null, state text not null)`,
);
await pool.query(`create table if not exists bench_floor_checks (id bigserial primary key, job_id text not null, primary_url text not null, http_status int, passed boolean not null)`);
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('SIGTERM', () => process.exit(0));
