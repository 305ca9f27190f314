import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, rowsOf } from '@/db/client';
import { hashOutput } from '@/lib/watchdog/hash';
import { type OwnServer, ownServer, pgliteDir, sleep, stressKinds } from './stress-kit';

/**
 * No acknowledged event lost: senders post helper events as fast as the console takes them while
 * the console is killed with SIGKILL and restarted, several times. A sender keeps an event whose
 * POST got no answer and sends it again (same id, same body) once the console is back, as the
 * runner's spool does. Afterwards every event that got a 2xx is in the database exactly once.
 */
const SENDERS = Number(process.env.STRESS_SENDERS ?? 8);
const KILLS = Number(process.env.STRESS_KILLS ?? 3);
const RUN_MS = Number(process.env.STRESS_KILL_INTERVAL_MS ?? 4000);

export interface DurabilityFigures {
  kind: string;
  kills: number;
  posts: number;
  acknowledged: number;
  connectionErrors: number;
  resent: number;
  stored: number;
  lost: number;
  duplicated: number;
}
export const durabilityFigures: DurabilityFigures[] = [];

describe.each(stressKinds())('SIGKILL durability on %s', (kind) => {
  let server: OwnServer;
  afterAll(async () => {
    await server?.kill('SIGKILL');
  });

  it(`every acknowledged event survives ${KILLS} SIGKILLs and restarts, none stored twice`, async () => {
    server = await ownServer(kind, { WATCHDOG_LOG_LEVEL: 'warn' });
    const acked = new Set<string>();
    const all = new Map<string, string>(); // id → body
    let posts = 0;
    let errors = 0;
    let resent = 0;
    let stop = false;
    let up = true;

    const sender = async (n: number) => {
      const job = `kill-${kind}-${n}-${randomUUID().slice(0, 6)}`;
      let unanswered: string | null = null;
      while (!stop || unanswered) {
        if (!up) {
          await sleep(50);
          continue;
        }
        let id: string;
        let body: string;
        if (unanswered) {
          id = unanswered;
          body = all.get(id)!;
          resent++;
        } else {
          if (stop) break;
          id = randomUUID();
          const output = `event ${id}`;
          body = JSON.stringify({ id, job_id: job, worker_id: 'w-1', command: 'pls progress', phase: 'progress', exit_code: 0, output, output_hash: hashOutput(output), duration_ms: 5 });
          all.set(id, body);
        }
        posts++;
        try {
          const res = await fetch(`${server.url}/api/watchdog/helper-events`, {
            method: 'POST',
            headers: { authorization: `Bearer ${server.tokens.worker}`, 'content-type': 'application/json' },
            body,
            signal: AbortSignal.timeout(15_000),
          });
          await res.text();
          if (res.status === 200 || res.status === 201) {
            acked.add(id);
            unanswered = null;
          } else if (res.status >= 500) {
            unanswered = id; // e.g. 503 while the database is not ready: send again
            await sleep(100);
          } else {
            throw new Error(`unexpected ${res.status} for ${id}`);
          }
        } catch (e) {
          if (e instanceof Error && e.message.startsWith('unexpected')) throw e;
          errors++;
          unanswered = id; // no answer: we do not know whether it was stored; send it again
          await sleep(100);
        }
      }
    };

    const senders = Array.from({ length: SENDERS }, (_, i) => sender(i));
    for (let k = 0; k < KILLS; k++) {
      await sleep(RUN_MS);
      up = false;
      await server.kill('SIGKILL');
      await server.start();
      up = true;
    }
    await sleep(RUN_MS);
    stop = true;
    await Promise.all(senders);
    expect(acked.size).toBe(all.size); // every event was eventually acknowledged

    // read what the database holds — for PGlite after one more SIGKILL, straight from its data dir
    let ids: string[];
    if (kind === 'postgres') {
      const raw = await openDatabase({ url: server.databaseUrl! });
      ids = rowsOf<{ id: string }>(await raw.db.execute(sql`select id::text as id from helper_events where job_id like ${`kill-${kind}-%`}`)).map((r) => r.id);
      await raw.close();
    } else {
      await server.kill('SIGKILL');
      expect(fs.existsSync(path.join(pgliteDir(server), 'PG_VERSION'))).toBe(true);
      const raw = await openDatabase({ dataDir: pgliteDir(server), url: '' });
      ids = rowsOf<{ id: string }>(await raw.db.execute(sql`select id::text as id from helper_events where job_id like ${`kill-${kind}-%`}`)).map((r) => r.id);
      await raw.close();
    }
    const stored = new Set(ids);
    const lost = [...acked].filter((id) => !stored.has(id));
    const figures: DurabilityFigures = {
      kind,
      kills: KILLS + (kind === 'pglite' ? 1 : 0),
      posts,
      acknowledged: acked.size,
      connectionErrors: errors,
      resent,
      stored: stored.size,
      lost: lost.length,
      duplicated: ids.length - stored.size,
    };
    durabilityFigures.push(figures);
    console.log(`[durability] ${JSON.stringify(figures)}`);
    expect(lost).toEqual([]);
    expect(ids.length).toBe(stored.size);
    expect(stored.size).toBe(all.size);
    expect(acked.size).toBeGreaterThan(SENDERS * KILLS);
  });
});
