import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Authority } from './config';
import { readJsonFile, writeFileAtomic } from './files';
import type { LearningNote } from './learnings-file';
import { type CallResult, type ConsoleClient, describeFailure } from './http';
import { type Spool, type SpoolEntry, type SpoolKind } from './spool';

export interface ServerClassification {
  signal: string | null;
  rule_version: number;
  suggested_actions: { action: string; authority: string; delay_s?: number }[];
}

export interface EventAnswer {
  event: { id: string };
  classification: ServerClassification;
  incident_id: string | null;
  /** the signal's newest learnings with something to check (only for a classified event) */
  learnings?: LearningNote[];
}

export type Delivery<T = unknown> = { state: 'sent'; status: number; body: T } | { state: 'spooled'; reason: string } | { state: 'refused'; status: number; code: string; message: string };

export interface FlushSummary {
  sent: number;
  rejected: { file: string; id: string; kind: SpoolKind; status: number; code: string; message: string }[];
  quarantined: { file: string; problem: string }[];
  left: number;
  /** why the flush stopped early (console unreachable), if it did */
  stopped: string | null;
}

const PATHS: Record<SpoolKind, string> = {
  event: '/api/watchdog/helper-events',
  action: '/api/watchdog/repair-actions',
  run: '/api/watchdog/worker-runs',
};

/** The repairs a worker's runner may record as the system's when its own helper events back them. */
const DELEGABLE = new Set(['touch', 'retry', 'heartbeat']);

function isDelegable(body: Record<string, unknown>): boolean {
  return DELEGABLE.has(String(body.action)) && Array.isArray(body.evidence_event_ids) && body.evidence_event_ids.length > 0;
}

/** After the console was unreachable, later reports go straight to the spool for this long. */
const CIRCUIT_OPEN_MS = 15_000;
/** The batch endpoint takes up to 500 events in a body under 1 MiB. */
const BATCH_MAX_EVENTS = 200;
const BATCH_MAX_BYTES = 768 * 1024;

/**
 * Delivers the runner's reports: helper events, repair actions, worker runs. When the console
 * cannot be reached (connection refused, timeout, 5xx, 429) the report goes to the spool with its
 * id and is sent later by `flush`; a refusal (4xx) is reported to the caller and never spooled.
 * Before anything is sent live, what the spool holds is sent first, so the console sees reports in
 * the order they happened.
 */
export class Reporter {
  private openUntil = 0;
  /** a flush stopped on a refused token: do not try again in this process */
  private flushBlocked = false;
  private flushing: Promise<FlushSummary> | null = null;
  private resolvedAuthority: 'system' | 'worker';
  private readonly authorityFile: string | null;

  constructor(
    readonly client: ConsoleClient,
    readonly spool: Spool,
    private readonly opts: { authority: Authority; stateDir: string; token: string; log: (line: string) => void },
  ) {
    if (opts.authority === 'auto') {
      this.authorityFile = path.join(opts.stateDir, `authority-${createHash('sha256').update(opts.token).digest('hex').slice(0, 16)}.json`);
      this.resolvedAuthority = readJsonFile<{ authority?: 'system' | 'worker' }>(this.authorityFile)?.authority === 'worker' ? 'worker' : 'system';
    } else {
      this.authorityFile = null;
      this.resolvedAuthority = opts.authority;
    }
  }

  /** The authority the runner's repair actions carry: `system` for a system token, `worker` (suggestions) for a worker token. */
  get authority(): 'system' | 'worker' {
    return this.resolvedAuthority;
  }

  /** Is the console believed reachable right now? */
  get reachable(): boolean {
    return Date.now() >= this.openUntil;
  }

  noteUnreachable(): void {
    this.openUntil = Date.now() + CIRCUIT_OPEN_MS;
  }

  event(body: Record<string, unknown>): Promise<Delivery<EventAnswer>> {
    return this.deliver<EventAnswer>('event', body);
  }

  action(body: Record<string, unknown>): Promise<Delivery> {
    return this.deliver('action', { ...body, authority: this.authorityFor(body) });
  }

  /**
   * A touch, retry or heartbeat the runner carried out, backed by its own helper events, is the
   * system's repair whatever the token (a delegated repair, API.md part 2): always `system`, so it is
   * never downgraded to a suggestion — unless the config says `worker`. Anything else: `authority`.
   */
  authorityFor(body: Record<string, unknown>): 'system' | 'worker' {
    return this.opts.authority !== 'worker' && isDelegable(body) ? 'system' : this.authority;
  }

  run(body: Record<string, unknown>): Promise<Delivery> {
    return this.deliver('run', body);
  }

  /** A console call that is not a report (leases, gate, checks): trips the circuit when unreachable. */
  async call<T>(method: string, path: string, body?: unknown): Promise<CallResult<T>> {
    if (!this.reachable) return { kind: 'unreachable', reason: 'console was unreachable moments ago' };
    const r = await this.client.call<T>(method, path, body);
    if (r.kind === 'unreachable') this.noteUnreachable();
    return r;
  }

  private async deliver<T>(kind: SpoolKind, body: Record<string, unknown>): Promise<Delivery<T>> {
    const id = body.id as string;
    if (this.reachable && !this.flushBlocked && this.spool.hasPending()) await this.flush();
    if (!this.reachable) return this.toSpool(kind, id, body, 'console was unreachable moments ago');
    const r = await this.send<T>(kind, body);
    if (r.kind === 'ok') return { state: 'sent', status: r.status, body: r.body };
    if (r.kind === 'unreachable') {
      this.noteUnreachable();
      return this.toSpool(kind, id, body, r.reason);
    }
    this.refused++;
    return { state: 'refused', status: r.status, code: r.code, message: r.message };
  }

  /** how many reports this process put in the spool (and the last reason), and how many the console refused */
  spooled = 0;
  refused = 0;
  lastSpoolReason: string | null = null;

  private toSpool(kind: SpoolKind, id: string, body: Record<string, unknown>, reason: string): Delivery<never> {
    this.spool.append(kind, id, body, reason);
    this.spooled++;
    this.lastSpoolReason = reason;
    return { state: 'spooled', reason };
  }

  /** Sends one report; a repair action refused for its authority is re-sent as a worker suggestion (auto mode). */
  private async send<T>(kind: SpoolKind, body: Record<string, unknown>): Promise<CallResult<T>> {
    const r = await this.client.post<T>(PATHS[kind], body);
    if (kind === 'action' && this.isAuthorityRefusal(r) && body.authority === 'system') {
      // a refused delegation says nothing about the token (its evidence did not back it): keep `system` for the others
      if (isDelegable(body))
        this.opts.log(
          `watchdog: the console did not accept the ${String(body.action)} as a delegated system repair (${r.kind === 'refused' ? `${r.status} ${r.code}: ${r.message}` : ''}): recorded as a worker suggestion`,
        );
      else this.learnWorkerAuthority();
      return this.client.post<T>(PATHS[kind], { ...body, authority: 'worker' });
    }
    return r;
  }

  private isAuthorityRefusal(r: CallResult): boolean {
    return this.authorityFile !== null && r.kind === 'refused' && r.status === 403 && /authority/i.test(r.message);
  }

  private learnWorkerAuthority(): void {
    if (this.resolvedAuthority === 'worker') return;
    this.resolvedAuthority = 'worker';
    this.opts.log('watchdog: the token is not a system token: repair actions are reported as worker suggestions (authority "worker")');
    if (this.authorityFile) {
      try {
        writeFileAtomic(this.authorityFile, JSON.stringify({ authority: 'worker', learned_at: new Date().toISOString() }) + '\n');
      } catch {
        /* a cache only */
      }
    }
  }

  /** Sends what the spool holds (one flush at a time per process). */
  flush(): Promise<FlushSummary> {
    this.flushing ??= this.flushSpool().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  /** Starts a flush in the background if the spool holds anything; `settle()` waits for it. */
  startFlush(): void {
    if (!this.flushBlocked && this.spool.hasPending()) void this.flush();
  }

  async settle(): Promise<FlushSummary | null> {
    return this.flushing ? this.flushing : null;
  }

  private async flushSpool(): Promise<FlushSummary> {
    const summary: FlushSummary = { sent: 0, rejected: [], quarantined: [], left: 0, stopped: null };
    const { entries, corrupt } = this.spool.read();
    for (const c of corrupt) {
      const to = this.spool.moveAside(c.file, 'quarantine', { problem: c.problem });
      if (to) {
        summary.quarantined.push({ file: to, problem: c.problem });
        this.opts.log(`watchdog: spool file ${path.basename(c.file)} is corrupt (${c.problem}): moved to ${to}`);
      }
    }
    let i = 0;
    while (i < entries.length) {
      if (entries[i].record.kind === 'event') {
        const batch: SpoolEntry[] = [];
        let bytes = 0;
        while (i < entries.length && entries[i].record.kind === 'event' && batch.length < BATCH_MAX_EVENTS) {
          const size = Buffer.byteLength(JSON.stringify(entries[i].record.body));
          if (batch.length && bytes + size > BATCH_MAX_BYTES) break;
          bytes += size;
          batch.push(entries[i++]);
        }
        const stop = await this.flushEvents(batch, summary);
        if (stop) {
          summary.stopped = stop;
          break;
        }
      } else {
        const stop = await this.flushOne(entries[i++], summary);
        if (stop) {
          summary.stopped = stop;
          break;
        }
      }
    }
    summary.left = this.spool.pendingNames().length;
    return summary;
  }

  /** Sends one spooled record on its own. Returns why the flush must stop, if it must. */
  private async flushOne(entry: SpoolEntry, summary: FlushSummary): Promise<string | null> {
    const r = await this.send(entry.record.kind, entry.record.body);
    if (r.kind === 'unreachable') {
      this.noteUnreachable();
      return r.reason;
    }
    if (r.kind === 'refused' && r.status === 401) {
      // the token, not the record, is wrong: keep everything for a valid token
      this.flushBlocked = true;
      return `console refused the token: ${describeFailure(r)}`;
    }
    this.settleEntry(entry, r.kind === 'ok' ? { status: r.status } : { status: r.status, code: r.code, message: r.message }, summary);
    return null;
  }

  /** Events go through the batch endpoint, each judged on its own. Returns why the flush must stop, if it must. */
  private async flushEvents(batch: SpoolEntry[], summary: FlushSummary): Promise<string | null> {
    const r = await this.client.post<{ results: { id: string | null; status: number; error?: { code: string; message: string } }[] }>('/api/watchdog/helper-events/batch', {
      events: batch.map((e) => e.record.body),
    });
    if (r.kind === 'unreachable') {
      this.noteUnreachable();
      return r.reason;
    }
    if (r.kind === 'refused') {
      if (r.status === 401 || r.status === 403) {
        // the token may not write events at all: keep them for a valid token
        this.flushBlocked = true;
        return `console refused the token: ${describeFailure(r)}`;
      }
      // the envelope was refused (e.g. too large): judge each event on its own
      for (const entry of batch) {
        const stop = await this.flushOne(entry, summary);
        if (stop) return stop;
      }
      return null;
    }
    batch.forEach((entry, idx) => {
      const item = r.body.results[idx];
      if (!item || item.status >= 500) return; // left pending for the next flush
      this.settleEntry(entry, item.error ? { status: item.status, code: item.error.code, message: item.error.message } : { status: item.status }, summary);
    });
    return null;
  }

  private settleEntry(entry: SpoolEntry, answer: { status: number; code?: string; message?: string }, summary: FlushSummary): void {
    if (answer.status < 300) {
      this.spool.remove(entry.file);
      summary.sent++;
      return;
    }
    const to = this.spool.moveAside(entry.file, 'rejected', answer);
    if (to) {
      summary.rejected.push({ file: to, id: entry.record.id, kind: entry.record.kind, status: answer.status, code: answer.code ?? `http_${answer.status}`, message: answer.message ?? '' });
      this.opts.log(`watchdog: the console refused spooled ${entry.record.kind} ${entry.record.id} (${answer.status} ${answer.code}: ${answer.message}): moved to ${to}`);
    }
  }
}
