/**
 * Seeds a fresh e2e database through the domain verbs (no HTTP, no fakes): users, tokens and a
 * small fleet's evidence — a pending release, a stale lease swept into a pending reclaim, a job
 * with a whole story (fetch failure, retry, failed then passing artifact check, complete), a
 * gate failure, and healthy leases. Writes the credentials the tests need to the state file.
 *
 *   tsx e2e/seed.ts <data dir> <state file>
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { runArtifactCheck } from '@/lib/watchdog/artifacts';
import { completeJob } from '@/lib/watchdog/artifacts';
import { type Actor, cliActor, type Ctx } from '@/lib/watchdog/context';
import { hashOutput } from '@/lib/watchdog/hash';
import { ingestHelperEvent } from '@/lib/watchdog/events';
import { heartbeatLease } from '@/lib/watchdog/leases';
import { recordRepairAction } from '@/lib/watchdog/repairs';
import { prepareDatabase } from '@/lib/watchdog/runtime';
import { runSweep } from '@/lib/watchdog/sweep';
import { createToken } from '@/lib/watchdog/access';
import { createUser } from '@/lib/watchdog/access';
import { upsertWorkerRun } from '@/lib/watchdog/events';
import { writeWorkerSeen } from '@/lib/watchdog/fleet';

export interface E2eState {
  tokens: { system: string; owner: string; supervisor: string; worker: string };
  users: { owner: { email: string; password: string }; supervisor: { email: string; password: string } };
  jobs: { release: string; reclaim: string; story: string; gateFail: string; race: string };
  /** the console's data directory (a test may place a file the console reads, e.g. the demo logins) */
  dataDir: string;
}

const [dataDir, stateFile] = process.argv.slice(2);
if (!dataDir || !stateFile) {
  console.error('usage: tsx e2e/seed.ts <data dir> <state file>');
  process.exit(2);
}

const systemActor: Actor = { role: 'system', id: 'seed-system', label: 'system:e2e-runner', via: 'token' };
const worker = (id: string): Actor => ({ role: 'worker', id: `seed-${id}`, label: `worker:${id}`, workerId: id, via: 'token' });

async function main() {
  // an artifact host for the server-side checks: /ok answers 200, anything else 404
  const artifacts = http.createServer((req, res) => {
    res.statusCode = req.url?.startsWith('/ok') ? 200 : 404;
    res.end(res.statusCode === 200 ? 'artifact' : 'not found');
  });
  await new Promise<void>((r) => artifacts.listen(0, '127.0.0.1', r));
  const artifactBase = `http://127.0.0.1:${(artifacts.address() as AddressInfo).port}`;

  const database = await prepareDatabase({ url: '', dataDir: path.join(dataDir, 'pglite') });
  const now = Date.now();
  const at = (s: number) => new Date(now + s * 1000);
  const ctx = (actor: Actor, t: Date): Ctx => ({ db: database.db, actor, now: t });
  const admin = ctx(cliActor, at(-7200));

  const state: E2eState = {
    tokens: {
      system: (await createToken(admin, { role: 'system', name: 'e2e-system' })).token,
      owner: (await createToken(admin, { role: 'owner', name: 'e2e-owner' })).token,
      supervisor: (await createToken(admin, { role: 'supervisor', name: 'e2e-supervisor' })).token,
      worker: (await createToken(admin, { role: 'worker', worker_id: 'w-1', name: 'e2e-w1' })).token,
    },
    users: {
      owner: { email: 'owner@example.test', password: 'owner-password-1' },
      supervisor: { email: 'supervisor@example.test', password: 'supervisor-password-1' },
    },
    jobs: { release: 'job-e2e-release', reclaim: 'job-e2e-stale', story: 'job-e2e-story', gateFail: 'job-e2e-gate', race: 'job-e2e-race' },
    dataDir,
  };
  await createUser(admin, { ...state.users.owner, role: 'owner' });
  await createUser(admin, { ...state.users.supervisor, role: 'supervisor' });

  const event = async (
    actor: Actor,
    t: Date,
    jobId: string,
    workerId: string,
    command: string,
    exitCode: number,
    output: string,
    extra: { phase?: 'claim' | 'context' | 'progress' | 'upload' | 'complete' | 'build'; error_code?: string; duration_ms?: number } = {},
  ) => {
    const id = randomUUID();
    await ingestHelperEvent(ctx(actor, t), {
      id,
      job_id: jobId,
      worker_id: workerId,
      command,
      exit_code: exitCode,
      output,
      output_hash: hashOutput(output),
      duration_ms: extra.duration_ms ?? 240,
      phase: extra.phase,
      error_code: extra.error_code,
      created_at: t,
    });
    return id;
  };
  const run = (t: Date, jobId: string, workerId: string, phase: 'claim' | 'context' | 'build' | 'upload' | 'complete', status: 'ok' | 'failed' | 'retried', seconds: number) =>
    upsertWorkerRun(ctx(systemActor, t), { id: randomUUID(), worker_id: workerId, job_id: jobId, phase, status, started_at: t, ended_at: new Date(t.getTime() + seconds * 1000) });

  // 1. The whole story of one job: claim, a transient fetch failure repaired by touch + retry,
  //    a failed artifact check that blocks complete, then a passing check and a clean complete.
  //    The server stamps artifact checks with its own clock, so the story ends at the real now.
  {
    const job = state.jobs.story;
    const w = worker('w-1');
    const lease = await heartbeatLease(ctx(w, at(-1500)), job, { worker_id: 'w-1', lease_expires_at: at(300) });
    await run(at(-1498), job, 'w-1', 'claim', 'ok', 2);
    await event(w, at(-1496), job, 'w-1', `pls claim`, 0, JSON.stringify({ job_id: job, title: 'Render invoice batch 2026-03', files: 3 }, null, 2), { phase: 'claim', duration_ms: 1840 });
    const failed = await event(
      w,
      at(-1400),
      job,
      'w-1',
      `pls context ${job}`,
      1,
      'POST /api/jobs/context\n500 Internal Server Error\nTypeError: fetch failed\n    at node:internal/deps/undici/undici:13510:13\n    at async fetchContext (/opt/pls/lib/context.js:41:17)',
      {
        phase: 'context',
        duration_ms: 3021,
      },
    );
    await recordRepairAction(ctx(systemActor, at(-1399)), {
      job_id: job,
      trigger: 'fetch_failed',
      action: 'touch',
      authority: 'system',
      result: 'success',
      evidence_event_ids: [failed],
      phase: 'context',
    });
    await recordRepairAction(ctx(systemActor, at(-1395)), {
      job_id: job,
      trigger: 'fetch_failed',
      action: 'retry',
      authority: 'system',
      result: 'success',
      evidence_event_ids: [failed],
      phase: 'context',
      note: 'touch, waited 3 s, retried once',
    });
    await event(w, at(-1394), job, 'w-1', `pls context ${job}`, 0, JSON.stringify({ context: 'ok', bytes: 18233 }), { phase: 'context' });
    await run(at(-1390), job, 'w-1', 'build', 'ok', 1200);
    await heartbeatLease(ctx(w, at(-180)), job, { worker_id: 'w-1', lease_expires_at: at(1200), fencing_token: lease.lease.fencing_token });
    await event(w, at(-170), job, 'w-1', `pls upload-files ${job}`, 0, 'uploaded 3 files (2.4 MB)', { phase: 'upload', duration_ms: 8120 });
    await runArtifactCheck(ctx(w, new Date()), { job_id: job, primary_url: `${artifactBase}/missing/${job}`, expected_file_count: 3 }, { allowPrivate: true });
    await completeJob(ctx(w, new Date()), job, { worker_id: 'w-1', fencing_token: lease.lease.fencing_token }).catch(() => undefined);
    await event(w, new Date(), job, 'w-1', `pls upload-files ${job}`, 0, 'uploaded 3 files (2.4 MB), retry of the primary page', { phase: 'upload' });
    await runArtifactCheck(
      ctx(w, new Date()),
      { job_id: job, primary_url: `${artifactBase}/ok/${job}`, files: [{ name: 'invoice-1.pdf' }, { name: 'invoice-2.pdf' }, { name: 'summary.csv' }], expected_file_count: 3 },
      { allowPrivate: true },
    );
    const done = new Date();
    await completeJob(ctx(w, done), job, { worker_id: 'w-1', fencing_token: lease.lease.fencing_token });
    await run(done, job, 'w-1', 'complete', 'ok', 1);
  }

  // 2. A live lease with a pending release request (the supervisor approves it in the test).
  {
    const job = state.jobs.release;
    const w = worker('w-2');
    await heartbeatLease(ctx(w, at(-900)), job, { worker_id: 'w-2', lease_expires_at: at(7200) });
    const ev = await event(w, at(-600), job, 'w-2', `pls progress ${job}`, 1, '500 TypeError: fetch failed', { phase: 'progress' });
    await event(w, at(-500), job, 'w-2', `pls progress ${job}`, 1, '500 TypeError: fetch failed (second time)', { phase: 'progress' });
    await recordRepairAction(ctx(systemActor, at(-480)), {
      job_id: job,
      trigger: 'fetch_failed',
      action: 'release',
      authority: 'system',
      evidence_event_ids: [ev],
      note: 'progress failed twice after the automatic retry; the worker host stopped answering. Release the job so another worker can take it?',
    });
  }

  // 3. A lease that expired long ago: the sweep opens lease_expired + queue_stuck and asks for a reclaim.
  {
    const job = state.jobs.reclaim;
    const w = worker('w-3');
    await heartbeatLease(ctx(w, at(-7200)), job, { worker_id: 'w-3', lease_expires_at: at(-5400) });
    await event(w, at(-7100), job, 'w-3', `pls claim`, 0, '{"job_id":"job-e2e-stale"}', { phase: 'claim' });
    await runSweep(ctx(systemActor, at(-60)));
  }

  // 4. A gate failure: the artifact is missing, complete is refused. (The seeded leases that must stay
  //    live run 2 h: the whole e2e run, both languages, must not outlast them on a slow machine.)
  {
    const job = state.jobs.gateFail;
    const w = worker('w-4');
    const lease = await heartbeatLease(ctx(w, at(-1200)), job, { worker_id: 'w-4', lease_expires_at: at(7200) });
    await runArtifactCheck(ctx(w, new Date()), { job_id: job, primary_url: `${artifactBase}/gone/${job}` }, { allowPrivate: true });
    await completeJob(ctx(w, new Date()), job, { worker_id: 'w-4', fencing_token: lease.lease.fencing_token }).catch(() => undefined);
  }

  // 5. Healthy and near-expiry leases, and a silent claim.
  {
    await heartbeatLease(ctx(worker('w-5'), at(-120)), 'job-e2e-healthy', { worker_id: 'w-5', lease_expires_at: at(7200) });
    await event(worker('w-5'), at(-100), 'job-e2e-healthy', 'w-5', 'pls progress job-e2e-healthy', 0, '{"progress":0.6}', { phase: 'progress' });
    await heartbeatLease(ctx(worker('w-6'), at(-600)), 'job-e2e-near', { worker_id: 'w-6', lease_expires_at: at(150) });
    await heartbeatLease(ctx(worker('w-7'), at(-400)), 'job-e2e-silent', { worker_id: 'w-7', lease_expires_at: at(7200) });
    await event(worker('w-7'), at(-360), 'job-e2e-silent', 'w-7', 'pls claim', 137, '', { phase: 'claim', error_code: 'NO_OUTPUT_TIMEOUT', duration_ms: 30000 });
  }

  // 6. A job whose lease the race test releases behind the page's back.
  await heartbeatLease(ctx(worker('w-8'), at(-300)), state.jobs.race, { worker_id: 'w-8', lease_expires_at: at(7200) });

  // 7. The fleet: each worker seen at its last call (the route records sightings; the seed calls the
  //    domain directly), w-1 and w-5 through the runner, and w-9 gone quiet 20 minutes ago.
  const sightings: [string, number, string | null][] = [
    ['w-1', 0, '1.4.2'],
    ['w-2', -500, null],
    ['w-4', -60, null],
    ['w-5', -20, '1.4.2'],
    ['w-6', -30, null],
    ['w-7', -40, null],
    ['w-8', -300, null],
    ['w-9', -1200, '1.3.0'],
  ];
  for (const [id, s, version] of sightings) await writeWorkerSeen(database.db, id, at(s), version);

  await database.close();
  artifacts.close();
  fs.writeFileSync(stateFile, JSON.stringify(state, null, 2), { mode: 0o600 });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
