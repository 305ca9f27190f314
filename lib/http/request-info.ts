import { config } from '@/lib/config';
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';

/**
 * The header scripts/serve.mjs sets on every request to the address of the socket's peer (and which
 * it overwrites when a client sends it). The node lane sets it the same way.
 */
export const PEER_HEADER = 'x-watchdog-peer';

/** What the console reads of a request's headers: a Fetch `Headers`, or the node lane's reader over Node's raw headers. */
export type HeaderReader = Pick<Headers, 'get'>;

/**
 * What the route steps and handlers read of a request (lib/http/route.ts): Next's Request, or the
 * node lane's lighter one over Node's request (lib/ingest/node-lane.ts), which hands the route the
 * body it read as bytes (so `body` is null there).
 */
export interface RouteRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: HeaderReader;
  readonly body: ReadableStream<Uint8Array> | null;
  readonly bodyUsed: boolean;
  readonly signal: AbortSignal;
}

type HeaderSource = HeaderReader | Record<string, unknown> | undefined;

function headerOf(headers: HeaderSource, name: string): string | null {
  if (!headers) return null;
  if (typeof headers.get === 'function') return (headers as HeaderReader).get(name);
  const v = (headers as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? v.join(',') : null;
}

const normalise = (address: string) =>
  address
    .trim()
    .replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '')
    .toLowerCase();

/** An IPv4 or IPv6 address as a bigint and its width, or null. */
function toBits(address: string): { bits: bigint; width: 32 | 128 } | null {
  const a = normalise(address);
  const kind = isIP(a);
  if (kind === 4) return { bits: a.split('.').reduce((n, p) => (n << 8n) | BigInt(Number(p)), 0n), width: 32 };
  if (kind !== 6) return null;
  let text = a.split('%')[0];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = toBits(v4[1])!.bits;
    text = text.slice(0, -v4[1].length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return { bits: groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g || '0', 16)), 0n), width: 128 };
}

export interface TrustedProxies {
  has(address: string): boolean;
}

/** `WATCHDOG_TRUSTED_PROXIES`: comma-separated IPs or CIDRs (`10.0.0.0/8`, `::1`). Entries that do not parse are ignored. */
export function parseTrustedProxies(list: string | undefined): TrustedProxies {
  const nets: { bits: bigint; width: number; prefix: number }[] = [];
  for (const entry of (list ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [ip, len] = entry.split('/');
    const parsed = toBits(ip);
    if (!parsed) continue;
    const prefix = len === undefined ? parsed.width : Number(len);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > parsed.width) continue;
    nets.push({ ...parsed, prefix });
  }
  return {
    has(address) {
      if (!nets.length) return false;
      const a = toBits(address);
      if (!a) return false;
      return nets.some((n) => n.width === a.width && a.bits >> BigInt(n.width - n.prefix) === n.bits >> BigInt(n.width - n.prefix));
    },
  };
}

let trusted: { list: string | undefined; proxies: TrustedProxies } | null = null;
function trustedProxies(): TrustedProxies {
  const proxies = config().trustedProxies;
  const list = Array.isArray(proxies) ? proxies.join(',') : proxies;
  if (!trusted || trusted.list !== list) trusted = { list, proxies: parseTrustedProxies(list) };
  return trusted.proxies;
}

/**
 * The client address for rate limits and the audit log. The direct peer (the socket address, which
 * serve.mjs hands over in PEER_HEADER) is the client unless it is a trusted proxy
 * (`WATCHDOG_TRUSTED_PROXIES`); only then are `X-Forwarded-For` / `X-Real-IP` read, and the client
 * is the right-most forwarded address that is not itself a trusted proxy. A client can therefore
 * never choose its own address by sending those headers.
 */
export function clientAddress(headers: HeaderSource, proxies: TrustedProxies = trustedProxies()): string {
  const peer = headerOf(headers, PEER_HEADER);
  if (!peer) return 'unknown';
  let address = normalise(peer);
  if (proxies.has(address)) {
    const forwarded = (headerOf(headers, 'x-forwarded-for') ?? '').split(',').map(normalise).filter(Boolean);
    const realIp = headerOf(headers, 'x-real-ip');
    const chain = forwarded.length ? forwarded : realIp ? [normalise(realIp)] : [];
    for (let i = chain.length - 1; i >= 0; i--) {
      address = chain[i];
      if (!proxies.has(address)) break;
    }
  }
  return address.slice(0, 64);
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** The caller's `x-request-id` when it is a sane token, else a fresh uuid; echoed on the answer and kept in the audit. */
export function requestId(headers: HeaderReader): string {
  const given = headers.get('x-request-id');
  return given && REQUEST_ID.test(given) ? given : randomUUID();
}
