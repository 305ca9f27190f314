import { spawn } from 'node:child_process';
import type { Phase } from '@/lib/schemas/common';

/** API.md: a helper event's `output` is at most 64 KiB of UTF-8. */
export const OUTPUT_LIMIT_BYTES = 64 * 1024;

export interface ExecRequest {
  argv: string[];
  phase: Phase;
  jobId: string;
  /** 1 for the first attempt, 2 for the retry, ... */
  attempt: number;
  /** claim: kill the process group when no JSON has appeared on stdout within this many ms */
  noOutputTimeoutMs?: number;
  /** aborting kills the process group (SIGTERM, then SIGKILL after the grace period) */
  signal?: AbortSignal;
  /** extra environment for the helper */
  env?: Record<string, string>;
  /** copy the helper's stdout/stderr to ours as it arrives */
  echo?: { stdout: boolean; stderr: boolean };
  /** sees stdout and stderr as they arrive (the build's output tail for its progress reports) */
  onOutput?: (chunk: Buffer) => void;
}

export interface ExecResult {
  exitCode: number;
  /** the helper's stdout, bounded */
  stdout: string;
  /** stdout and stderr interleaved as they arrived, bounded to 64 KiB: what the helper event reports */
  output: string;
  durationMs: number;
  /** set when the runner itself observed the failure: NO_OUTPUT_TIMEOUT, SPAWN_FAILED, KILLED, ABORTED */
  errorCode?: string;
  timedOut: boolean;
}

/** Runs one helper command. The runner's policy only ever talks to this interface, so tests and the simulator inject their own. */
export type Executor = (req: ExecRequest) => Promise<ExecResult>;

/**
 * Keeps at most `limit` bytes of a stream: the head and the tail, with a marker saying how much
 * was dropped in between (the end of a failing command's output is usually what matters).
 */
export class BoundedOutput {
  private head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer = Buffer.alloc(0);
  private total = 0;

  constructor(private readonly limit = OUTPUT_LIMIT_BYTES) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    const headRoom = Math.floor(this.limit / 2) - this.headBytes;
    if (headRoom > 0) {
      const take = chunk.subarray(0, headRoom);
      this.head.push(take);
      this.headBytes += take.length;
      chunk = chunk.subarray(take.length);
    }
    if (chunk.length) {
      const keep = this.limit - Math.floor(this.limit / 2);
      this.tail = Buffer.concat([this.tail, chunk]);
      if (this.tail.length > keep * 2) this.tail = this.tail.subarray(this.tail.length - keep);
    }
  }

  get bytes(): number {
    return this.total;
  }

  /**
   * The kept output as text of at most `limit` UTF-8 bytes. Bytes that are not UTF-8 decode to
   * U+FFFD (3 bytes each), so the cut is made on the decoded text, at character boundaries.
   */
  text(): string {
    const head = Buffer.concat(this.head);
    if (this.total <= this.limit) {
      const whole = Buffer.concat([head, this.tail]).toString('utf8');
      if (Buffer.byteLength(whole) <= this.limit) return whole;
    }
    const marker = `\n[watchdog: ${this.total} bytes of output, the middle dropped to fit ${Math.round(this.limit / 1024)} KiB]\n`;
    const budget = this.limit - Buffer.byteLength(marker);
    const headText = keepStart(head.toString('utf8'), Math.floor(budget / 2));
    const tailText = keepEnd(this.tail.toString('utf8'), budget - Buffer.byteLength(headText));
    return headText + marker + tailText;
  }
}

const isContinuation = (b: number | undefined) => b !== undefined && (b & 0xc0) === 0x80;

/** The longest start of `text` that fits in `bytes` UTF-8 bytes. */
function keepStart(text: string, bytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= bytes) return text;
  let cut = bytes;
  while (cut > 0 && isContinuation(buf[cut])) cut--;
  return buf.subarray(0, cut).toString('utf8');
}

/** The longest end of `text` that fits in `bytes` UTF-8 bytes. */
function keepEnd(text: string, bytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= bytes) return text;
  let start = buf.length - bytes;
  while (start < buf.length && isContinuation(buf[start])) start++;
  return buf.subarray(start).toString('utf8');
}

/** Does the text hold a JSON document: as a whole, or as one of its lines (helpers often log around it)? */
export function containsJson(text: string): boolean {
  return parseJsonOutput(text) !== undefined;
}

/** The JSON a helper printed on stdout: the whole text, else the last line that parses as an object or array. */
export function parseJsonOutput(text: string): unknown {
  const whole = text.trim();
  if (!whole) return undefined;
  if (whole[0] === '{' || whole[0] === '[') {
    try {
      return JSON.parse(whole);
    } catch {
      /* maybe one line of several */
    }
  }
  const lines = whole.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i].trim();
    if (line[0] !== '{' && line[0] !== '[') continue;
    try {
      return JSON.parse(line);
    } catch {
      /* not this one */
    }
  }
  return undefined;
}

const KILL_GRACE_MS = 2000;

/** Signal numbers for the 128+N exit code convention of shells. */
const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };

/**
 * The real executor: spawns CMD in its own process group (so a silent claim's children die with
 * it), captures bounded output, and kills the whole group on timeout or abort.
 */
export const spawnExecutor: Executor = (req) =>
  new Promise<ExecResult>((resolve) => {
    const started = performance.now();
    const stdout = new BoundedOutput();
    const output = new BoundedOutput();
    let errorCode: string | undefined;
    let timedOut = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    let graceTimer: NodeJS.Timeout | undefined;

    const finish = (exitCode: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(killTimer);
      clearTimeout(graceTimer);
      req.signal?.removeEventListener('abort', onAbort);
      resolve({ exitCode, stdout: stdout.text(), output: output.text(), durationMs: Math.round(performance.now() - started), errorCode, timedOut });
    };

    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(req.argv[0], req.argv.slice(1), {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...helperEnv(), ...req.env },
      });
    } catch (e) {
      errorCode = 'SPAWN_FAILED';
      output.push(Buffer.from(`watchdog: could not start ${req.argv[0]}: ${(e as Error).message}\n`));
      finish(127);
      return;
    }

    const killGroup = (sig: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        try {
          child.kill(sig);
        } catch {
          /* already gone */
        }
      }
    };
    const terminate = () => {
      killGroup('SIGTERM');
      graceTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    };
    function onAbort() {
      errorCode ??= 'ABORTED';
      terminate();
    }
    if (req.signal?.aborted) onAbort();
    else req.signal?.addEventListener('abort', onAbort, { once: true });

    let sawJson = false;
    if (req.noOutputTimeoutMs !== undefined) {
      killTimer = setTimeout(() => {
        if (sawJson) return;
        timedOut = true;
        errorCode = 'NO_OUTPUT_TIMEOUT';
        // Kill hard at once: a silent claim gets no grace, its whole group goes.
        killGroup('SIGKILL');
      }, req.noOutputTimeoutMs);
    }
    let stdoutText = '';
    child.stdout!.on('data', (d: Buffer) => {
      stdout.push(d);
      output.push(d);
      req.onOutput?.(d);
      if (req.echo?.stdout) process.stdout.write(d);
      if (req.noOutputTimeoutMs !== undefined && !sawJson && stdoutText.length < OUTPUT_LIMIT_BYTES) {
        stdoutText += d.toString('utf8');
        if (containsJson(stdoutText)) {
          sawJson = true;
          clearTimeout(killTimer);
        }
      }
    });
    child.stderr!.on('data', (d: Buffer) => {
      output.push(d);
      req.onOutput?.(d);
      if (req.echo?.stderr) process.stderr.write(d);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      errorCode = 'SPAWN_FAILED';
      output.push(Buffer.from(`watchdog: could not start ${req.argv[0]}: ${e.code ?? e.message}\n`));
      finish(e.code === 'EACCES' ? 126 : 127);
    });
    child.on('close', (code, sig) => {
      if (sig) {
        errorCode ??= 'KILLED';
        finish(timedOut ? 124 : 128 + (SIGNAL_NUMBERS[sig] ?? 0));
      } else finish(timedOut ? 124 : (code ?? 1));
    });
    // A grandchild that keeps our pipes open must not keep us waiting after the helper itself ended.
    child.on('exit', () => {
      setTimeout(() => {
        if (!settled) {
          killGroup('SIGKILL');
          child.stdout?.destroy();
          child.stderr?.destroy();
        }
      }, 500).unref();
    });
  });

/** The helper's environment: ours without the console token (helpers never need it). */
function helperEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.WATCHDOG_TOKEN;
  return env;
}
