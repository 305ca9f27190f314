// The floor of any request-per-event HTTP design on this machine, for bench/ingest.ts: a bare
// node:http server (no framework) that reads the JSON body and answers 201 — with FLOOR_MODE=insert
// it first stores the event with one parameterised INSERT through a `pg` pool (16), as the raw
// baseline does. No auth, no validation, no classification: what is left when all of that is free.
import http from 'node:http';
import pg from 'pg';

const mode = process.env.FLOOR_MODE ?? 'echo';
const pool = mode === 'insert' ? new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 16 }) : null;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const e = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (pool) {
      await pool.query(
        `insert into bench_raw_events (id, job_id, worker_id, command, phase, exit_code, output, output_hash, error_code, duration_ms, created_at, received_at, signal, rule_version, suggested_actions, incident_id, body_hash)
         values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`,
        [e.id, e.job_id, e.worker_id, e.command, e.phase, e.exit_code, e.output, e.output_hash, null, e.duration_ms, new Date(), new Date(), null, 1, '[]', null, e.output_hash],
      );
    }
    const body = JSON.stringify({ event: { id: e.id }, classification: { signal: null }, incident_id: null });
    res.writeHead(201, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('SIGTERM', () => process.exit(0));
