import { closedLoop, fmt, healthyEvent, startConsole, startPostgres, runId, postJson } from './lib';
const pgs = await startPostgres();
const s = await startConsole('postgres', { databaseUrl: pgs.url });
try {
  const run = runId();
  for (const [name, op] of [
    ['health', async () => { const r = await fetch(`${s.url}/api/health`); await r.text(); }],
    ['rules GET', async () => { const r = await fetch(`${s.url}/api/watchdog/rules`, { headers: { authorization: `Bearer ${s.tokens.worker}` } }); await r.text(); }],
    ['event', async (i: number) => { await postJson(`${s.url}/api/watchdog/helper-events`, s.tokens.worker, healthyEvent(i, run), [201]); }],
    ['health', async () => { const r = await fetch(`${s.url}/api/health`); await r.text(); }],
  ] as const) {
    for (const c of [1, 16]) {
      const r = await closedLoop({ concurrency: c, maxOps: 20000, maxMs: 3000, op: op as never });
      console.log(name, 'c=' + c, fmt(r.rate), '/s p50', fmt(r.p50ms, 2), r.errors, r.firstError ?? '');
    }
  }
} finally { await s.stop(); pgs.stop(); }
process.exit(0);
