import type { Database } from '@/db/client';
import { log } from '@/lib/log';
import { LIVE_CHANNEL } from '../announce';
import { type ChangeRef, type LiveMessage, loadChanges, parseChangeRef } from './load-changes';

/** One open stream: gets the loaded changes, and `end` when it must reconnect (the listening connection was lost, shutdown). */
export interface LiveSubscriber {
  send(messages: LiveMessage[]): void;
  end(): void;
}

export interface LiveHubOptions {
  database: () => Promise<Database>;
  clock: () => Date;
  /** how long announced changes are gathered before one load (default 25 ms) */
  coalesceMs?: number;
}

/**
 * The live fan-out of one console process. The database announces every change of an incident, repair
 * action, lease, rule version or worker after its commit (NOTIFY on `watchdog_live`, migration
 * 0011_console_reads), whoever made it: this instance, another one, the CLI or a sweeper. The hub holds
 * one LISTEN for the process (a dedicated connection on PostgreSQL, in-process on PGlite), gathers the
 * announced keys for a few milliseconds, loads the current objects once per batch and hands them to
 * every open stream. The writers (the ingest fast path included) never wait for any of it.
 */
export class LiveHub {
  private readonly subscribers = new Set<LiveSubscriber>();
  private listening: Promise<() => Promise<void>> | null = null;
  private pending = new Map<string, ChangeRef>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly opts: LiveHubOptions) {}

  /** Adds a stream once the LISTEN is in place (so nothing committed after this resolves is missed); returns its removal. */
  async subscribe(subscriber: LiveSubscriber): Promise<() => void> {
    if (this.closed) throw new Error('the live hub is closed');
    await this.listen();
    this.subscribers.add(subscriber);
    return () => void this.subscribers.delete(subscriber);
  }

  /** Open streams of this process (metrics, tests). */
  get size(): number {
    return this.subscribers.size;
  }

  /** Shutdown: every stream ends (so the server can drain), the LISTEN stops. */
  async close(): Promise<void> {
    this.closed = true;
    this.endAll();
    const stop = this.listening;
    this.listening = null;
    if (stop) await (await stop.catch(() => async () => {}))();
  }

  private listen(): Promise<() => Promise<void>> {
    if (!this.listening) {
      const p = this.opts.database().then((database) =>
        database.listen(
          LIVE_CHANNEL,
          (payload) => this.announce(payload),
          (err) => this.lost(p, err),
        ),
      );
      this.listening = p;
      p.catch(() => {
        if (this.listening === p) this.listening = null;
      });
    }
    return this.listening;
  }

  /** The listening connection dropped: changes may have been missed, so every stream ends and its client reconnects and reloads. */
  private lost(p: Promise<unknown>, err: unknown) {
    log.warn({ err }, 'live updates: the listening connection was lost; streams end and reconnect');
    if (this.listening === p) this.listening = null;
    this.endAll();
  }

  private endAll() {
    for (const s of [...this.subscribers]) {
      this.subscribers.delete(s);
      try {
        s.end();
      } catch {
        /* already gone */
      }
    }
  }

  private announce(payload: string) {
    if (!this.subscribers.size) return;
    const ref = parseChangeRef(payload);
    if (!ref) return;
    this.pending.set(payload, ref);
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.flushing = this.flushing.then(() => this.flush());
    }, this.opts.coalesceMs ?? 25);
  }

  private async flush() {
    const refs = [...this.pending.values()];
    this.pending = new Map();
    if (!refs.length || !this.subscribers.size) return;
    let messages: LiveMessage[];
    try {
      const { db } = await this.opts.database();
      messages = await loadChanges(db, this.opts.clock(), refs);
    } catch (err) {
      // the changes are lost for the streams: make their clients reload
      log.error({ err }, 'live updates: could not load the announced changes');
      this.endAll();
      return;
    }
    if (!messages.length) return;
    for (const s of [...this.subscribers]) {
      try {
        s.send(messages);
      } catch {
        this.subscribers.delete(s);
      }
    }
  }
}
