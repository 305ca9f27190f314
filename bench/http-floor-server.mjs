// The floor of any request-per-event HTTP design on this machine, for bench/ingest.ts: a bare node:http
// server (no framework) that reads the JSON body and answers 201 — with FLOOR_MODE=insert it first
// stores the event with one parameterised INSERT through a `pg` pool (16), as the raw baseline does;
// with FLOOR_MODE=pglite with one INSERT into embedded PGlite in this same process (FLOOR_PGLITE_DIR,
// the migrations applied first), as the embedded console does. No auth, no validation, no
// classification: what is left when all of that is free.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import pg from 'pg';

const mode = process.env.FLOOR_MODE ?? 'echo';
const INSERT = `insert into bench_raw_events (id, job_id, worker_id, command, phase, exit_code, output, output_hash, error_code, duration_ms, created_at, received_at, signal, rule_version, suggested_actions, incident_id, body_hash)
         values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`;
const values = (e) => [e.id, e.job_id, e.worker_id, e.command, e.phase, e.exit_code, e.output, e.output_hash, null, e.duration_ms, new Date(), new Date(), null, 1, '[]', null, e.output_hash];

let store = null;
if (mode === 'insert') {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 16 });
  store = (e) => pool.query(INSERT, values(e));
} else if (mode === 'pglite') {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = new PGlite(process.env.FLOOR_PGLITE_DIR);
  await db.waitReady;
  const dir = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'db', 'migrations');
  const journal = JSON.parse(fs.readFileSync(path.join(dir, 'meta', '_journal.json'), 'utf8'));
  for (const e of journal.entries) await db.exec(fs.readFileSync(path.join(dir, `${e.tag}.sql`), 'utf8').replaceAll('--> statement-breakpoint', ''));
  await db.exec('create table if not exists bench_raw_events (like helper_events including all)');
  store = (e) => db.query(INSERT, values(e));
}
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const e = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (store) await store(e);
    const body = JSON.stringify({ event: { id: e.id }, classification: { signal: null }, incident_id: null });
    res.writeHead(201, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('SIGTERM', () => process.exit(0));
