import { log } from '@/lib/log';
import type { LiveMessage } from '@/lib/watchdog/live';
import type { Runtime } from '@/lib/watchdog/runtime';
import { errorBody, json } from './respond';

const encoder = new TextEncoder();

/** One server-sent event: `event: incident` and the object as one `data:` line (JSON has no raw newlines). */
export function formatLiveEvent(m: LiveMessage): string {
  return `event: ${m.event}\ndata: ${JSON.stringify(m.data)}\n\n`;
}

/**
 * The answer of GET /api/watchdog/stream: `text/event-stream` that stays open. The stream is subscribed
 * to the process's live hub before the answer starts (so a client that sees the answer misses no change
 * committed after it), then starts with a comment and the client's reconnect delay, carries each change,
 * and a comment line every `runtime.liveHeartbeatMs` (≤ 15 s) so proxies and clients see it is alive. It
 * ends when the client goes away, or when the hub ends it (the listening connection was lost, shutdown):
 * the client then reconnects and reloads what it shows. 503 when the hub cannot listen.
 */
export async function openLiveStream(runtime: Runtime, signal: AbortSignal): Promise<Response> {
  let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  const early: string[] = [];
  let open = true;
  let heartbeat: ReturnType<typeof setInterval> | null = null;
  let unsubscribe = () => {};
  const write = (text: string) => {
    if (!open) return;
    if (!controller) return void early.push(text);
    try {
      controller.enqueue(encoder.encode(text));
    } catch {
      close();
    }
  };
  const close = () => {
    if (!open) return;
    open = false;
    if (heartbeat) clearInterval(heartbeat);
    unsubscribe();
    signal.removeEventListener('abort', close);
    try {
      controller?.close();
    } catch {
      /* already closed or cancelled */
    }
  };
  try {
    unsubscribe = await runtime.live.subscribe({ send: (messages) => write(messages.map(formatLiveEvent).join('')), end: () => close() });
  } catch (err) {
    log.error({ err }, 'live updates: cannot listen');
    return json(503, errorBody('internal_error', 'live updates are unavailable; poll the REST API'), { 'retry-after': '5' });
  }
  if (signal.aborted) {
    close();
  } else {
    signal.addEventListener('abort', close);
  }
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      if (!open) return void c.close();
      c.enqueue(encoder.encode(': connected\nretry: 2000\n\n' + early.splice(0).join('')));
      heartbeat = setInterval(() => write(`: keep-alive ${new Date().toISOString()}\n\n`), runtime.liveHeartbeatMs);
    },
    cancel() {
      close();
    },
  });
  return new Response(stream, {
    status: 200,
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      connection: 'keep-alive',
      // nginx and similar proxies: pass each event on at once
      'x-accel-buffering': 'no',
    },
  });
}
