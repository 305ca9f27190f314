import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, rowsOf } from '@/db/client';
import { fixture, runCli, scratch } from '../helpers/cli';
import { api } from '../helpers/http';
import { freePort } from '../helpers/test-server';
import { type OwnServer, ownServer, sleep, stressKinds } from './stress-kit';

/**
 * Console outage: several `watchdog run` sessions run helpers back to back on one worker (one
 * shared spool) while the console becomes unreachable for a while and comes back. The runner sees
 * the console through a TCP relay on a fixed port; "down" closes the relay's listener, so new
 * connections are refused and open ones are cut — a real outage from the runner's side.
 * Afterwards every run's helper event is stored exactly once and the spool is empty.
 */
const SESSIONS = Number(process.env.STRESS_OUTAGE_SESSIONS ?? 4);
const RUNS_PER_SESSION = Number(process.env.STRESS_OUTAGE_RUNS ?? 6);

function relay(port: number, target: () => URL) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  return {
    up: () =>
      new Promise<void>((resolve, reject) => {
        server = net.createServer((client) => {
          const t = target();
          const upstream = net.connect(Number(t.port), t.hostname);
          sockets.add(client).add(upstream);
          const drop = () => {
            client.destroy();
            upstream.destroy();
            sockets.delete(client);
            sockets.delete(upstream);
          };
          client.on('error', drop).on('close', drop);
          upstream.on('error', drop).on('close', drop);
          client.pipe(upstream).pipe(client);
        });
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      }),
    down: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        sockets.clear();
        if (!server) return resolve();
        server.close(() => resolve());
        server = null;
      }),
  };
}

export const outageFigures: Record<string, unknown>[] = [];

describe.each(stressKinds())('console outage with the runner under load (%s)', (kind) => {
  let server: OwnServer;
  let r: ReturnType<typeof relay> | null = null;
  afterAll(async () => {
    await r?.down();
    await server?.kill('SIGKILL');
  });

  it(`${SESSIONS} concurrent run sessions × ${RUNS_PER_SESSION} runs through an outage: all spooled reports flushed, 0 lost, 0 duplicated`, async () => {
    server = await ownServer(kind, { WATCHDOG_LOG_LEVEL: 'warn' });
    const port = await freePort();
    r = relay(port, () => new URL(server.url));
    await r.up();
    const s = scratch('outage-');
    const env = { WATCHDOG_URL: `http://127.0.0.1:${port}`, WATCHDOG_TOKEN: server.tokens.system, WATCHDOG_SPOOL_DIR: s.spoolDir, WATCHDOG_STATE_DIR: s.stateDir, WATCHDOG_WORKER_ID: 'w-1' };
    const prefix = `outage-${kind}-${Date.now()}`;
    const results: { job: string; code: number; spooled: boolean; phase: 'before' | 'during' | 'after' }[] = [];
    let phase: 'before' | 'during' | 'after' = 'before';

    const session = async (n: number) => {
      for (let i = 0; i < RUNS_PER_SESSION; i++) {
        const job = `${prefix}-${n}-${i}`;
        const at = phase;
        const res = await runCli(['run', '--job', job, '--phase', 'context', '--', 'sh', fixture('ok.sh'), job], env, { cwd: s.dir, timeoutMs: 90_000 });
        results.push({ job, code: res.code, spooled: /spooled/.test(res.stderr), phase: at });
        expect(res.code, res.stderr).toBe(0);
      }
    };
    const sessions = Array.from({ length: SESSIONS }, (_, n) => session(n));
    // console up for the first runs, then unreachable, then back
    while (results.length < SESSIONS) await sleep(100);
    await r.down();
    phase = 'during';
    const downAt = Date.now();
    while (results.filter((x) => x.phase === 'during').length < SESSIONS * 2 && Date.now() - downAt < 120_000) await sleep(100);
    const outageMs = Date.now() - downAt;
    await r.up();
    phase = 'after';
    await Promise.all(sessions);

    const spooledRuns = results.filter((x) => x.spooled).length;
    const flush = await runCli(['spool', 'flush'], env, { cwd: s.dir, timeoutMs: 90_000 });
    expect(flush.code, flush.stdout + flush.stderr).toBe(0);
    const left = fs.existsSync(path.join(s.spoolDir, 'pending')) ? fs.readdirSync(path.join(s.spoolDir, 'pending')).filter((f) => f.endsWith('.json')) : [];
    const quarantined = fs.existsSync(path.join(s.spoolDir, 'quarantine')) ? fs.readdirSync(path.join(s.spoolDir, 'quarantine')) : [];

    // what the console stored, per job
    let rows: { job_id: string; n: number }[];
    if (kind === 'postgres') {
      const raw = await openDatabase({ url: server.databaseUrl! });
      rows = rowsOf<{ job_id: string; n: number }>(await raw.db.execute(sql`select job_id, count(*)::int as n from helper_events where job_id like ${`${prefix}-%`} group by job_id`));
      await raw.close();
    } else {
      rows = [];
      for (const x of results) {
        const t = await api(server, server.tokens.owner, 'GET', `/api/watchdog/jobs/${x.job}`);
        rows.push({ job_id: x.job, n: t.status === 200 ? t.body.events.length : 0 });
      }
    }
    const perJob = new Map(rows.map((x) => [x.job_id, Number(x.n)]));
    const lost = results.filter((x) => !perJob.get(x.job)).map((x) => x.job);
    const duplicated = results.filter((x) => (perJob.get(x.job) ?? 0) > 1).map((x) => x.job);
    const figures = {
      kind,
      sessions: SESSIONS,
      runs: results.length,
      outage_ms: outageMs,
      runs_during_outage: results.filter((x) => x.phase === 'during').length,
      runs_that_spooled: spooledRuns,
      final_flush: flush.stdout.trim().split('\n').pop(),
      events_stored: [...perJob.values()].reduce((a, b) => a + b, 0),
      lost: lost.length,
      duplicated: duplicated.length,
      left_in_spool: left.length,
      quarantined: quarantined.length,
    };
    outageFigures.push(figures);
    console.log(`[outage] ${JSON.stringify(figures)}`);
    expect(spooledRuns).toBeGreaterThan(0);
    expect(lost).toEqual([]);
    expect(duplicated).toEqual([]);
    expect(left).toEqual([]);
    expect(quarantined).toEqual([]);
  });
});
