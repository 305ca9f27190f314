import os from 'node:os';
import { HELPER_NAMES, type HelperName, IDENTIFIER } from './config';

/** What each helper is for, and an example argv (`pls` stands for the queue's own helper tool). */
const HELPER_DOCS: Record<HelperName, { what: string; example: string[] }> = {
  doctor: { what: 'checks the worker can work (run once when the worker starts a cycle)', example: ['pls', 'doctor'] },
  touch: { what: 'keeps the job alive; run before every retry', example: ['pls', 'touch', '{job_id}'] },
  claim: { what: 'claims the next job; must print JSON with "job_id" (null: no job). Required by `worker`', example: ['pls', 'claim'] },
  context: { what: "fetches the job's context", example: ['pls', 'context', '{job_id}'] },
  progress: { what: 'posts progress; run every progress_interval_s while build runs', example: ['pls', 'progress', '{job_id}'] },
  build: { what: 'does the work', example: ['make', '-C', '/work/{job_id}'] },
  upload: { what: 'uploads the artifact; prints JSON with "primary_url" (and "files") for the artifact check', example: ['pls', 'upload-files', '{job_id}'] },
  complete: { what: "marks the job done; only run after the console's artifact gate passed", example: ['pls', 'complete', '{job_id}'] },
};

/** A worker id from the host name: the characters an Identifier allows, "worker-1" when none are left. */
export function defaultWorkerId(): string {
  const id = os
    .hostname()
    .replace(/[^A-Za-z0-9._:@-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 200);
  return IDENTIFIER.test(id) ? id : 'worker-1';
}

/**
 * The config file `init` writes: every key the loader knows, each with a comment (JSON with
 * comments, which loadRunnerConfig reads). Helper argv are examples to replace with the queue's own.
 */
export function configSkeleton(opts: { url: string; workerId: string }): string {
  const q = (v: unknown) => JSON.stringify(v);
  const helperLines = HELPER_NAMES.map((name, i) => {
    const doc = HELPER_DOCS[name];
    const argv = `[${doc.example.map(q).join(', ')}]`;
    return `    // ${name}: ${doc.what}\n    ${q(name)}: ${argv}${i < HELPER_NAMES.length - 1 ? ',' : ''}`;
  }).join('\n');
  return `// Worker Watchdog runner config (watchdog-runner init). JSON with comments.
// The token is never written here: set WATCHDOG_TOKEN (a worker token bound to worker_id, or a system token).
{
  // url: the console. WATCHDOG_URL overrides it.
  "url": ${q(opts.url)},

  // worker_id: this worker, as the queue knows it (letters, digits and . _ : @ -).
  // --worker-id or WATCHDOG_WORKER_ID override it.
  "worker_id": ${q(opts.workerId)},

  // helpers: the queue's helper commands as argv arrays (no shell). {job_id} and {worker_id} are
  // replaced; an argument that is only {job_id} is dropped when there is no job. Remove the ones
  // your queue does not have; \`worker\` needs at least "claim". Replace these examples.
  "helpers": {
${helperLines}
  },

  // lease_s: seconds the worker takes and renews a job's lease for (10..86400).
  "lease_s": 600,

  // progress_interval_s: seconds between progress heartbeats while build runs (0.01..3600).
  "progress_interval_s": 30,

  // idle_s: seconds to wait when claim finds no job or doctor fails (0..3600).
  "idle_s": 10,

  // authority: who the touch/retry/escalation repair actions are recorded as: "system", "worker", or
  // "auto" (system first, worker when the token is a worker's). WATCHDOG_AUTHORITY overrides it.
  "authority": "auto",

  // spool_dir: where reports wait while the console is unreachable (relative to this file).
  // WATCHDOG_SPOOL_DIR overrides it.
  "spool_dir": "./.data/spool",

  // state_dir: the rules cache and the leases this worker holds (relative to this file).
  // WATCHDOG_STATE_DIR overrides it.
  "state_dir": "./.data/runner"
}
`;
}
