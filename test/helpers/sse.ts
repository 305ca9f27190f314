/** One server-sent event as a client sees it: a named event with its parsed data, or a comment line. */
export interface SseItem {
  event: string | null;
  data: unknown;
  comment: string | null;
  /** performance.now() when it was read */
  at: number;
}

/**
 * A real event-stream client over HTTP (fetch): collects every event and comment, and `next` waits for
 * the first one (from `from` on) that matches.
 */
export async function openSse(url: string, headers: Record<string, string>) {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const items: SseItem[] = [];
  const waiters = new Set<() => void>();
  let ended = false;
  if (res.ok && res.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buf = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buf += decoder.decode(chunk, { stream: true });
          let cut: number;
          while ((cut = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            const at = performance.now();
            let event: string | null = null;
            let data: string | null = null;
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) items.push({ event: null, data: null, comment: line.slice(1).trim(), at });
              else if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data = (data === null ? '' : data + '\n') + line.slice(6);
            }
            if (event) items.push({ event, data: data === null ? null : JSON.parse(data), comment: null, at });
          }
          waiters.forEach((w) => w());
        }
      } catch {
        /* aborted */
      }
      ended = true;
      waiters.forEach((w) => w());
    })();
  }
  return {
    res,
    items,
    get ended() {
      return ended;
    },
    /** the first item from index `from` on that matches, within `timeoutMs` */
    next(match: (i: SseItem) => boolean, timeoutMs = 5_000, from = 0): Promise<SseItem> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = items.slice(from).find(match);
          if (hit) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(hit);
          } else if (ended) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`stream ended; saw ${JSON.stringify(items.map((i) => i.event ?? `:${i.comment}`))}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event in ${timeoutMs} ms; saw ${JSON.stringify(items.map((i) => i.event ?? `:${i.comment}`))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => controller.abort(),
  };
}
