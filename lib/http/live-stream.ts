import type { LiveMessage } from '@/lib/watchdog/live';
import type { Runtime } from '@/lib/watchdog/runtime';

const encoder = new TextEncoder();

/** One server-sent event: `event: incident` and the object as one `data:` line (JSON has no raw newlines). */
export function formatLiveEvent(m: LiveMessage): string {
  return `event: ${m.event}\ndata: ${JSON.stringify(m.data)}\n\n`;
}

/**
 * The answer of GET /api/watchdog/stream: `text/event-stream` that stays open. It starts with a comment
 * and the client's reconnect delay, carries each change the process's live hub hands it, and a comment
 * line every `runtime.liveHeartbeatMs` (≤ 15 s) so proxies and clients see it is alive. It ends when
 * the client goes away, or when the hub ends it (the listening connection was lost, shutdown): the
 * client then reconnects and reloads what it shows.
 */
export async function openLiveStream(runtime: Runtime, signal: AbortSignal): Promise<Response> {
  let close = () => {};
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      let open = true;
      let unsubscribe = () => {};
      const write = (text: string) => {
        if (!open) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          close();
        }
      };
      const heartbeat = setInterval(() => write(`: keep-alive ${new Date().toISOString()}\n\n`), runtime.liveHeartbeatMs);
      close = () => {
        if (!open) return;
        open = false;
        clearInterval(heartbeat);
        unsubscribe();
        signal.removeEventListener('abort', close);
        try {
          controller.close();
        } catch {
          /* already closed or cancelled */
        }
      };
      signal.addEventListener('abort', close);
      write(': connected\nretry: 2000\n\n');
      try {
        unsubscribe = await runtime.live.subscribe({ send: (messages) => write(messages.map(formatLiveEvent).join('')), end: () => close() });
      } catch {
        close();
        return;
      }
      if (!open || signal.aborted) close();
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
