import http from 'node:http';
import { RUNNER_USER_AGENT } from './version';
import { runnerEnv } from '@/lib/config-runner';

/** What a call to the console came to. `unreachable` is everything the spool is for. */
export type CallResult<T = unknown> =
  { kind: 'ok'; status: number; body: T } | { kind: 'refused'; status: number; code: string; message: string; details?: unknown } | { kind: 'unreachable'; reason: string; status?: number };

export interface ConsoleClientOptions {
  url: string;
  token: string | null;
  /** per request, connect to last byte (default 5000 ms, WATCHDOG_HTTP_TIMEOUT_MS) */
  timeoutMs?: number;
  /** told the console's version whenever an answer carries `X-Watchdog-Version` */
  onConsoleVersion?: (version: string) => void;
}

export function defaultTimeoutMs(): number {
  return runnerEnv().WATCHDOG_HTTP_TIMEOUT_MS;
}

/**
 * A small JSON client for the console over node:http/https (no fetch: undici's first load costs
 * more than the whole call to a local console). Connection errors, timeouts, 5xx and 429 are
 * `unreachable`; other 4xx are `refused` with the API.md error body. Every request says who sends
 * it: `User-Agent: watchdog-runner/<version>`.
 */
export class ConsoleClient {
  readonly base: URL;
  private readonly timeoutMs: number;
  private httpsModule: typeof import('node:https') | null = null;

  constructor(private readonly opts: ConsoleClientOptions) {
    this.base = new URL(opts.url.endsWith('/') ? opts.url : opts.url + '/');
    this.timeoutMs = opts.timeoutMs ?? defaultTimeoutMs();
  }

  get url(): string {
    return this.base.origin + this.base.pathname.replace(/\/$/, '');
  }

  get<T>(path: string): Promise<CallResult<T>> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<CallResult<T>> {
    return this.call<T>('POST', path, body);
  }

  patch<T>(path: string, body: unknown): Promise<CallResult<T>> {
    return this.call<T>('PATCH', path, body);
  }

  put<T>(path: string, body: unknown): Promise<CallResult<T>> {
    return this.call<T>('PUT', path, body);
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<CallResult<T>> {
    const target = new URL(path.replace(/^\//, ''), this.base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
    const mod = target.protocol === 'https:' ? (this.httpsModule ??= await import('node:https')) : http;
    return new Promise<CallResult<T>>((resolve) => {
      let done = false;
      const settle = (r: CallResult<T>) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(r);
      };
      const headers: Record<string, string> = { accept: 'application/json', 'user-agent': RUNNER_USER_AGENT };
      if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
      if (payload) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(payload.length);
      }
      const req = mod.request(target, { method, headers }, (res) => {
        const consoleVersion = res.headers['x-watchdog-version'];
        if (typeof consoleVersion === 'string' && this.opts.onConsoleVersion) this.opts.onConsoleVersion(consoleVersion);
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => settle({ kind: 'unreachable', reason: e.message }));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = undefined;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            /* not JSON */
          }
          if (status >= 200 && status < 300) return settle({ kind: 'ok', status, body: parsed as T });
          if (status >= 500 || status === 429) {
            return settle({ kind: 'unreachable', status, reason: `${status} ${errorOf(parsed)?.code ?? res.statusMessage ?? ''}`.trim() });
          }
          const err = errorOf(parsed);
          settle({ kind: 'refused', status, code: err?.code ?? `http_${status}`, message: err?.message ?? (text.slice(0, 200) || `HTTP ${status}`), details: err?.details });
        });
      });
      const timer = setTimeout(() => {
        req.destroy(new Error(`timeout after ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      req.on('error', (e: NodeJS.ErrnoException) => settle({ kind: 'unreachable', reason: e.code ? `${e.code} ${e.message}` : e.message }));
      req.end(payload);
    });
  }
}

function errorOf(body: unknown): { code: string; message: string; details?: unknown } | null {
  const e = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  if (e && typeof e.code === 'string') return { code: e.code, message: typeof e.message === 'string' ? e.message : e.code, details: e.details };
  return null;
}

/** One line for stderr about a call that did not succeed. */
export function describeFailure(r: Exclude<CallResult, { kind: 'ok' }>): string {
  return r.kind === 'refused' ? `${r.status} ${r.code}: ${r.message}` : `console unreachable (${r.reason})`;
}
