import { closedLoop, healthyEvent, startPostgres, runId, fmt } from '/work/wt-perf/bench/lib';
import { prepareDatabase } from '/work/wt-perf/lib/watchdog/runtime';
import { ingestHelperEvent } from '/work/wt-perf/lib/watchdog/helper-events';
import { findActorByToken, createToken } from '/work/wt-perf/lib/watchdog/tokens';
import { getCurrentRules } from '/work/wt-perf/lib/watchdog/rules';
import { cliActor } from '/work/wt-perf/lib/watchdog/context';
const pgs = await startPostgres();
const database = await prepareDatabase({ url: pgs.url, poolMax: 16 });
const { token } = await createToken({ db: database.db, actor: cliActor, now: new Date() }, { role: 'worker', worker_id: 'w-1', name: 'x' });
const actor = (await findActorByToken(database.db, token))!;
const run = runId();
for (const [name, op] of [
  ['findActorByToken', async () => { await findActorByToken(database.db, token); }],
  ['getCurrentRules', async () => { await getCurrentRules(database.db); }],
  ['ingestHelperEvent', async (i: number) => { await ingestHelperEvent({ db: database.db, actor, now: new Date() }, { ...healthyEvent(i, run) } as never); }],
] as const) {
  const r = await closedLoop({ concurrency: 16, maxOps: 50000, maxMs: 4000, op: op as never });
  console.log(name, fmt(r.rate), '/s p50', fmt(r.p50ms, 2), r.errors, r.firstError);
}
await database.close(); pgs.stop(); process.exit(0);
