import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@/db/client';
import { incidents } from '@/db/schema';
import { latestArtifactCheck, runArtifactCheck } from '@/lib/watchdog/artifacts';
import { heartbeatLease } from '@/lib/watchdog/leases';
import { isPrivateAddress, probeUrl } from '@/lib/watchdog/artifacts';
import { ctxAt, systemTestActor, testDatabaseKinds, workerActor } from './helpers/db';
import { resetConfig } from '@/lib/config';

/** A local artifact host: path → [status, headers]; counts the requests it got. */
function startHost(routes: Record<string, [number, Record<string, string>?]>, host = '127.0.0.1') {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.headers.host}${req.url}`);
    const [status, headers] = routes[req.url ?? '/'] ?? [404];
    res.writeHead(status, headers ?? {});
    res.end(status === 200 ? 'artifact bytes' : '');
  });
  return new Promise<{ url: string; port: number; hits: string[]; close: () => Promise<void> }>((resolve) => {
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
        port,
        hits,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

describe('safe fetch', () => {
  let host: Awaited<ReturnType<typeof startHost>>;
  let v6: Awaited<ReturnType<typeof startHost>> | null = null;
  beforeAll(async () => {
    host = await startHost({
      '/ok': [200],
      '/missing': [404],
      '/r1': [302, { location: '/r2' }],
      '/r2': [302, { location: '/r3' }],
      '/r3': [302, { location: '/r4' }],
      '/r4': [302, { location: '/r5' }],
      '/r5': [302, { location: '/ok' }],
      '/r0': [302, { location: '/r1' }],
      '/to-ftp': [302, { location: 'ftp://127.0.0.1/file' }],
    });
    v6 = await startHost({ '/ok': [200] }, '::1').catch(() => null);
  });
  afterAll(async () => {
    await host?.close();
    await v6?.close();
  });

  it.each([
    ['localhost', (p: number) => `http://localhost:${p}/ok`],
    ['127.0.0.1', (p: number) => `http://127.0.0.1:${p}/ok`],
    ['[::1]', (p: number) => `http://[::1]:${p}/ok`],
    ['hex 0x7f000001', (p: number) => `http://0x7f000001:${p}/ok`],
    ['decimal 2130706433', (p: number) => `http://2130706433:${p}/ok`],
    ['short 127.1', (p: number) => `http://127.1:${p}/ok`],
    ['octal 0177.0.0.1', (p: number) => `http://0177.0.0.1:${p}/ok`],
    ['IPv4-mapped [::ffff:127.0.0.1]', (p: number) => `http://[::ffff:127.0.0.1]:${p}/ok`],
    ['IPv4-compatible [::127.0.0.1]', (p: number) => `http://[::127.0.0.1]:${p}/ok`],
    ['6to4 [2002:7f00:1::]', (p: number) => `http://[2002:7f00:1::]:${p}/ok`],
    ['cloud metadata 169.254.169.254', () => 'http://169.254.169.254/latest/meta-data/'],
    ['mapped metadata', () => 'http://[::ffff:169.254.169.254]/latest/meta-data/'],
    ['private 10/8', () => 'http://10.0.0.1/ok'],
    ['private 192.168/16', () => 'http://192.168.1.10/ok'],
    ['private 172.16/12', () => 'https://172.20.1.1/ok'],
    ['link-local v6', () => 'http://[fe80::1]/ok'],
    ['unique-local v6', () => 'http://[fd00::1]/ok'],
    ['0.0.0.0', (p: number) => `http://0.0.0.0:${p}/ok`],
  ])('refuses %s by default, before connecting', async (_name, make) => {
    const before = host.hits.length;
    const r = await probeUrl(make(host.port), { allowPrivate: false, timeoutMs: 3000 });
    expect(r.status).toBeNull();
    expect(r.error).toMatch(/^refused/);
    expect(host.hits.length).toBe(before);
  });

  it.each([
    ['ftp', 'ftp://127.0.0.1/file'],
    ['file', 'file:///etc/passwd'],
    ['javascript', 'javascript:alert(1)'],
    ['data', 'data:text/plain,hello'],
  ])('refuses the %s scheme', async (_name, url) => {
    const r = await probeUrl(url, { allowPrivate: true });
    expect(r).toMatchObject({ status: null, error: expect.stringMatching(/only http and https/) });
  });

  it('refuses credentials in the URL and answers a non-URL cleanly', async () => {
    expect((await probeUrl(`http://user:pw@127.0.0.1:${host.port}/ok`, { allowPrivate: true })).error).toMatch(/credentials/);
    expect(await probeUrl('not a url')).toMatchObject({ status: null, error: 'not a valid URL' });
  });

  it('reaches local hosts when private hosts are allowed, by name too', async () => {
    expect(await probeUrl(`${host.url}/ok`, { allowPrivate: true })).toMatchObject({ status: 200, redirects: 0 });
    expect(await probeUrl(`http://localhost:${host.port}/missing`, { allowPrivate: true })).toMatchObject({ status: 404 });
    if (v6) expect(await probeUrl(`${v6.url}/ok`, { allowPrivate: true })).toMatchObject({ status: 200 });
  });

  it('the environment switches WATCHDOG_ALLOW_PRIVATE_ARTIFACT_HOSTS=1 and WATCHDOG_ALLOW_PRIVATE_HOSTS=1 are the default policy', async () => {
    const names = ['WATCHDOG_ALLOW_PRIVATE_ARTIFACT_HOSTS', 'WATCHDOG_ALLOW_PRIVATE_HOSTS'] as const;
    const saved = names.map((n) => process.env[n]);
    const set = (values: [string | undefined, string | undefined]) => {
      names.forEach((n, i) => (values[i] === undefined ? delete process.env[n] : (process.env[n] = values[i])));
      resetConfig(); // the configuration is read once: read it again
    };
    try {
      set(['1', undefined]);
      expect((await probeUrl(`${host.url}/ok`)).status).toBe(200);
      set([undefined, '1']);
      expect((await probeUrl(`${host.url}/ok`)).status).toBe(200);
      set([undefined, undefined]);
      expect((await probeUrl(`${host.url}/ok`)).error).toMatch(/^refused/);
      set(['0', '0']);
      expect((await probeUrl(`${host.url}/ok`)).error).toMatch(/^refused/);
    } finally {
      set(saved as [string | undefined, string | undefined]);
    }
  });

  it('follows up to 5 redirects and refuses a 6th', async () => {
    expect(await probeUrl(`${host.url}/r1`, { allowPrivate: true })).toMatchObject({ status: 200, redirects: 5, finalUrl: `${host.url}/ok` });
    const six = await probeUrl(`${host.url}/r0`, { allowPrivate: true });
    expect(six.status).toBe(302);
    expect(six.error).toMatch(/more than 5 redirects/);
  });

  it('re-vets every redirect hop: an allowed first host cannot bounce the check to a private one', async () => {
    // The policy lets exactly 127.0.0.1 through (standing in for a public host); everything else is private.
    const onlyFirstHop = (address: string) => address !== '127.0.0.1';
    const target = await startHost({ '/secret': [200] }, '127.0.0.2').catch(() => null);
    const bounce = await startHost({
      '/to-loopback-v6': [302, { location: `http://[::1]:${host.port}/ok` }],
      '/to-metadata': [301, { location: 'http://169.254.169.254/latest/meta-data/iam' }],
      '/to-hex': [307, { location: `http://0x7f000002:${target?.port ?? 9}/secret` }],
      '/to-name': [302, { location: `http://localhost:${host.port}/ok` }],
      '/to-evil-name': [302, { location: 'http://metadata.evil.example/latest' }],
    });
    try {
      const lookup = async (name: string) => (name === 'metadata.evil.example' ? [{ address: '169.254.169.254', family: 4 }] : [{ address: '10.1.2.3', family: 4 }]);
      for (const path of ['/to-loopback-v6', '/to-metadata', '/to-hex', '/to-name', '/to-evil-name']) {
        const r = await probeUrl(`${bounce.url}${path}`, { isBlocked: onlyFirstHop, lookup, timeoutMs: 3000 });
        expect(r.status, path).toBeNull();
        expect(r.redirects, path).toBe(1);
        expect(r.error, path).toMatch(/^refused/);
      }
      expect(bounce.hits).toHaveLength(5);
      expect(host.hits.filter((h) => h.endsWith('/ok') && !h.startsWith('127.0.0.1'))).toEqual([]);
      if (target) expect(target.hits).toEqual([]);
    } finally {
      await bounce.close();
      await target?.close();
    }
  });

  it('connects to the vetted address of a name, not to a second resolver answer', async () => {
    const lookup = async () => [{ address: '127.0.0.1', family: 4 }];
    const r = await probeUrl(`http://artifacts.example:${host.port}/ok`, { isBlocked: () => false, lookup });
    expect(r.status).toBe(200);
    expect(host.hits).toContain(`artifacts.example:${host.port}/ok`);
    const refused = await probeUrl(`http://artifacts.example:${host.port}/ok`, {
      isBlocked: (a) => a === '169.254.169.254',
      lookup: async () => [
        { address: '127.0.0.1', family: 4 },
        { address: '169.254.169.254', family: 4 },
      ],
    });
    expect(refused.error).toMatch(/^refused/);
  });

  it('gives up at the deadline even when the server drips its headers', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const slow = http.createServer();
    slow.on('connection', (socket) => {
      sockets.add(socket);
      socket.write('HTTP/1.1 200 OK\r\n');
      const drip = setInterval(() => socket.write('x-drip: 1\r\n'), 50);
      socket.on('close', () => clearInterval(drip));
      socket.on('error', () => clearInterval(drip));
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    try {
      const { port } = slow.address() as AddressInfo;
      const r = await probeUrl(`http://127.0.0.1:${port}/`, { allowPrivate: true, timeoutMs: 400 });
      expect(r.status).toBeNull();
      expect(r.error).toMatch(/timed out/);
      const silent = await probeUrl('http://silent.example/', { isBlocked: () => false, timeoutMs: 200, lookup: () => new Promise(() => {}) });
      expect(silent.error).toMatch(/timed out/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => slow.close(() => r(null)));
    }
  });

  it.each([
    ['127.0.0.1', true],
    ['10.9.8.7', true],
    ['100.64.0.1', true],
    ['169.254.169.254', true],
    ['224.0.0.1', true],
    ['255.255.255.255', true],
    ['::1', true],
    ['::', true],
    ['::ffff:10.0.0.1', true],
    ['::ffff:a00:1', true],
    ['fe80::1%eth0', true],
    ['2002:c0a8:101::1', true],
    ['2001:0:4136:e378::1', true],
    ['64:ff9b::a00:1', true],
    ['not-an-ip', true],
    ['93.184.216.34', false],
    ['8.8.8.8', false],
    ['::ffff:8.8.8.8', false],
    ['2606:4700:4700::1111', false],
    ['2002:808:808::1', false],
  ])('isPrivateAddress(%s) = %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });
});

describe.each(testDatabaseKinds())('artifact checks on $name', (kind) => {
  let database: Database;
  let host: Awaited<ReturnType<typeof startHost>>;
  beforeAll(async () => {
    database = await kind.open();
    host = await startHost({ '/build.zip': [200], '/a.txt': [200], '/b.txt': [200], '/gone.txt': [404], '/moved': [302, { location: '/build.zip' }] });
    await heartbeatLease(ctxAt(database, workerActor('w-1'), t0), 'art-1', { worker_id: 'w-1', lease_expires_at: new Date(t0.getTime() + 3_600_000) });
    await heartbeatLease(ctxAt(database, workerActor('w-1'), t0), 'art-2', { worker_id: 'w-1', lease_expires_at: new Date(t0.getTime() + 3_600_000) });
  });
  afterAll(async () => {
    await host?.close();
    await database?.close();
  });
  const t0 = new Date('2026-05-01T08:00:00Z');
  const w1 = (s = 0) => ctxAt(database, workerActor('w-1'), new Date(t0.getTime() + s * 1000));
  const allow = { allowPrivate: true };
  const openGateIncidents = (job: string) =>
    database.db
      .select()
      .from(incidents)
      .where(and(eq(incidents.jobId, job), eq(incidents.signal, 'artifact_gate_fail'), eq(incidents.status, 'open')));

  it('passes: primary 200 (after a redirect), listed files counted', async () => {
    const check = await runArtifactCheck(
      w1(1),
      { job_id: 'art-1', primary_url: `${host.url}/moved`, files: [{ name: 'a.txt', url: `${host.url}/a.txt` }, { name: 'notes.md' }], expected_file_count: 2 },
      allow,
    );
    expect(check).toMatchObject({
      job_id: 'art-1',
      http_status: 200,
      file_count: 2,
      expected_file_count: 2,
      passed: true,
      failure_reason: null,
      checked_at: new Date(t0.getTime() + 1000).toISOString(),
    });
  });

  it('a listed file whose URL fails is not counted; the failure opens an artifact_gate_fail incident with its reason', async () => {
    const check = await runArtifactCheck(
      w1(2),
      {
        job_id: 'art-1',
        primary_url: `${host.url}/build.zip`,
        files: [
          { name: 'a.txt', url: `${host.url}/a.txt` },
          { name: 'gone.txt', url: `${host.url}/gone.txt` },
        ],
        expected_file_count: 2,
      },
      allow,
    );
    expect(check).toMatchObject({ passed: false, file_count: 1, http_status: 200 });
    expect(check.failure_reason).toMatch(/1 of 2 expected files.*gone\.txt \(404\)/);
    const [inc] = await openGateIncidents('art-1');
    expect(inc.details).toMatchObject({ check_id: check.id, failure_reason: check.failure_reason });
    expect((await latestArtifactCheck(database.db, 'art-1'))?.id).toBe(check.id);
  });

  it('a passing check resolves the gate incident', async () => {
    const check = await runArtifactCheck(
      w1(3),
      {
        job_id: 'art-1',
        primary_url: `${host.url}/build.zip`,
        files: [
          { name: 'a.txt', url: `${host.url}/a.txt` },
          { name: 'b.txt', url: `${host.url}/b.txt` },
        ],
        expected_file_count: 2,
      },
      allow,
    );
    expect(check.passed).toBe(true);
    expect(await openGateIncidents('art-1')).toHaveLength(0);
  });

  it('fails on a primary that is not 200, on no files with the default expectation of 1, and on a refused host', async () => {
    const notFound = await runArtifactCheck(w1(4), { job_id: 'art-2', primary_url: `${host.url}/nothing-here`, files: [{ name: 'x' }] }, allow);
    expect(notFound).toMatchObject({ passed: false, http_status: 404, expected_file_count: 1 });
    expect(notFound.failure_reason).toMatch(/answered 404, expected 200/);
    const noFiles = await runArtifactCheck(w1(5), { job_id: 'art-2', primary_url: `${host.url}/build.zip` }, allow);
    expect(noFiles).toMatchObject({ passed: false, file_count: 0, expected_file_count: 1 });
    const refused = await runArtifactCheck(w1(6), { job_id: 'art-2', primary_url: `${host.url}/build.zip`, files: [{ name: 'x' }] }, { allowPrivate: false });
    expect(refused).toMatchObject({ passed: false, http_status: null });
    expect(refused.failure_reason).toMatch(/^primary_url: refused/);
    expect(await openGateIncidents('art-2')).toHaveLength(1);
  });

  it('the latest check is the last one run, even at the same clock reading', async () => {
    const a = await runArtifactCheck(w1(10), { job_id: 'art-2', primary_url: `${host.url}/build.zip`, files: [{ name: 'x' }] }, allow);
    const b = await runArtifactCheck(w1(10), { job_id: 'art-2', primary_url: `${host.url}/gone.txt`, files: [{ name: 'x' }] }, allow);
    expect(a.passed).toBe(true);
    expect(b.passed).toBe(false);
    expect(new Date(b.checked_at).getTime()).toBeGreaterThan(new Date(a.checked_at).getTime());
    expect((await latestArtifactCheck(database.db, 'art-2'))?.id).toBe(b.id);
  });

  it('concurrent checks of one job at one clock reading: distinct times in order, and the gate incident is open exactly when the latest check failed', async () => {
    for (let round = 0; round < 4; round++) {
      const job = `art-race-${round}`;
      await heartbeatLease(w1(30), job, { worker_id: 'w-1', lease_expires_at: new Date(t0.getTime() + 3_600_000) });
      // mostly passing checks (the one-statement path), some failing (the transaction path) among them
      const urls = Array.from({ length: 12 }, (_, i) => (i % 4 === round % 4 ? '/gone.txt' : '/build.zip'));
      const checks = await Promise.all(urls.map((u) => runArtifactCheck(w1(40), { job_id: job, primary_url: `${host.url}${u}`, files: [{ name: 'x' }] }, allow)));
      const times = checks.map((c) => new Date(c.checked_at).getTime()).sort((a, b) => a - b);
      expect(new Set(times).size).toBe(checks.length);
      expect(times[0]).toBe(t0.getTime() + 40_000);
      expect(times.at(-1)).toBe(t0.getTime() + 40_000 + checks.length - 1);
      const latest = await latestArtifactCheck(database.db, job);
      expect({ round, open: (await openGateIncidents(job)).length }).toEqual({ round, open: latest?.passed ? 0 : 1 });
      // and a passing check after it all leaves the gate closed
      expect((await runArtifactCheck(w1(40), { job_id: job, primary_url: `${host.url}/build.zip`, files: [{ name: 'x' }] }, allow)).passed).toBe(true);
      expect(await openGateIncidents(job)).toHaveLength(0);
    }
  });

  it('a worker may only check a job it holds; system may check any', async () => {
    await expect(runArtifactCheck(ctxAt(database, workerActor('w-2'), t0), { job_id: 'art-1', primary_url: `${host.url}/build.zip` }, allow)).rejects.toMatchObject({ code: 'forbidden' });
    const bySystem = await runArtifactCheck(
      ctxAt(database, systemTestActor, new Date(t0.getTime() + 20_000)),
      { job_id: 'art-1', primary_url: `${host.url}/build.zip`, files: [{ name: 'x' }] },
      allow,
    );
    expect(bySystem.passed).toBe(true);
  });
});
