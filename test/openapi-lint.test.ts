import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testServers } from './helpers/http';
import { root } from './helpers/test-server';

const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => fs.existsSync(p)) ?? null;

describe('the OpenAPI document passes Redocly lint (recommended rules)', () => {
  it('no errors and no warnings (npm run lint:openapi)', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'lint-openapi.mjs'), '--format=json'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    const start = r.stdout.indexOf('{');
    expect(start, r.stderr).toBeGreaterThanOrEqual(0);
    const report = JSON.parse(r.stdout.slice(start)) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string; location: unknown }[] };
    expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    expect(r.status).toBe(0);
  }, 130_000);
});

describe.each(testServers())('GET /api/metrics passes promtool check metrics on $name', (server) => {
  it.skipIf(!PROMTOOL)('promtool finds nothing to complain about', async () => {
    const res = await fetch(`${server.url}/api/metrics`, { headers: { authorization: `Bearer ${server.tokens.system}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('# TYPE watchdog_helper_events_ingested_total counter');
    const r = spawnSync(PROMTOOL!, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
    expect({ status: r.status, out: (r.stdout + r.stderr).trim() }).toEqual({ status: 0, out: '' });
    // the by-type gauges stay; their `_total` twins (gauges, not counters) are gone
    expect(text).toContain('# TYPE watchdog_process_nodejs_active_handles gauge');
    expect(text).not.toMatch(/^# TYPE \S+_total gauge$/m);
  });
});
