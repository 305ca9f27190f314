import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { config } from '@/lib/config';

/** Addresses an artifact check must never reach unless private hosts are allowed. */
const blocked = new net.BlockList();
for (const [addr, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(addr, prefix, 'ipv4');
for (const [addr, prefix] of [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible form ::a.b.c.d
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['2001::', 32], // Teredo tunnels reach arbitrary IPv4 hosts
  ['2001:db8::', 32],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
] as const)
  blocked.addSubnet(addr, prefix, 'ipv6');

/** The 16 bytes of an IPv6 address (any textual form net.isIP accepts). */
function ipv6Bytes(address: string): number[] | null {
  let text = address.toLowerCase().split('%')[0];
  const v4tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4tail) {
    const parts = v4tail[1].split('.').map(Number);
    text = text.slice(0, -v4tail[1].length) + `${((parts[0] << 8) | parts[1]).toString(16)}:${((parts[2] << 8) | parts[3]).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === null ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) return null;
  return groups.flatMap((g) => {
    const n = parseInt(g || '0', 16);
    return [n >> 8, n & 0xff];
  });
}

/**
 * Loopback, private, link-local, shared, reserved and multicast addresses, including IPv4
 * addresses embedded in IPv6 (mapped ::ffff:a.b.c.d, 6to4 2002:AABB:CCDD::). Not an IP: blocked.
 */
export function isPrivateAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  const bytes = ipv6Bytes(address);
  if (!bytes) return true;
  const isMapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (isMapped) return blocked.check(bytes.slice(12).join('.'), 'ipv4');
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return blocked.check(bytes.slice(2, 6).join('.'), 'ipv4');
  return blocked.check(address.split('%')[0], 'ipv6');
}

export interface ProbeResult {
  status: number | null;
  finalUrl: string;
  redirects: number;
  error?: string;
}

export interface ProbeOptions {
  /** reach loopback/private hosts too (default: WATCHDOG_ALLOW_PRIVATE_ARTIFACT_HOSTS=1) */
  allowPrivate?: boolean;
  /** the vetting policy for every resolved address of every hop; overrides `allowPrivate` */
  isBlocked?: (address: string) => boolean;
  /** the whole probe, redirects included (default 10 s) */
  timeoutMs?: number;
  maxRedirects?: number;
  /** name resolution (default: the system resolver) */
  lookup?: (hostname: string) => Promise<{ address: string; family: number }[]>;
}

/** WATCHDOG_ALLOW_PRIVATE_HOSTS=1 (channels and artifact checks) or WATCHDOG_ALLOW_PRIVATE_ARTIFACT_HOSTS=1. */
export function privateHostsAllowed(): boolean {
  return config().allowPrivateArtifactHosts;
}

class ProbeError extends Error {}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProbeError(`timed out (${what})`)), Math.max(0, ms));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const systemLookup = (hostname: string) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/** Resolves a host and vets every address; the vetted address is the one connected to (no DNS rebinding). */
async function resolveVetted(hostname: string, isBlocked: (address: string) => boolean, lookup: NonNullable<ProbeOptions['lookup']>, timeLeft: number): Promise<{ address: string; family: number }> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const literal = net.isIP(host);
  const addrs = literal ? [{ address: host, family: literal }] : await withDeadline(lookup(host), timeLeft, `resolving ${host}`);
  if (!addrs.length) throw new ProbeError(`${hostname} did not resolve`);
  const bad = addrs.find((a) => isBlocked(a.address));
  if (bad) throw new ProbeError(`refused: ${hostname} resolves to a private, loopback or link-local address (${bad.address})`);
  return addrs[0];
}

interface Outgoing {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

/** One request to a vetted address; resolves on the response head, aborts at the deadline whatever the server does. */
function requestOnce(
  url: URL,
  target: { address: string; family: number },
  timeoutMs: number,
  out: Outgoing = { method: 'GET', headers: { 'user-agent': 'worker-watchdog-artifact-check/1', accept: '*/*' } },
): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    let settled = false;
    const req = mod.request(
      url,
      {
        method: out.method,
        headers: out.body === undefined ? out.headers : { ...out.headers, 'content-length': String(Buffer.byteLength(out.body)) },
        agent: false,
        // Connect to the address vetted above, never to a second answer of the resolver.
        lookup: (_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) => {
          if (opts?.all) cb(null, [{ address: target.address, family: target.family }]);
          else cb(null, target.address, target.family);
        },
      } as http.RequestOptions,
      (res) => {
        settled = true;
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, location: res.headers.location });
        res.destroy();
      },
    );
    const timer = setTimeout(() => req.destroy(new ProbeError(`timed out after ${timeoutMs} ms`)), Math.max(0, timeoutMs));
    req.on('error', (e) => {
      clearTimeout(timer);
      if (!settled) reject(e);
    });
    req.end(out.body);
  });
}

/**
 * Requests a URL the way an artifact check must: http/https only, redirects followed (≤ 5) with
 * every hop's resolved addresses vetted again, one overall deadline (10 s), private targets refused
 * unless allowed.
 */
export async function probeUrl(raw: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const allowPrivate = opts.allowPrivate ?? privateHostsAllowed();
  const isBlocked = opts.isBlocked ?? (allowPrivate ? () => false : isPrivateAddress);
  const lookup = opts.lookup ?? systemLookup;
  const maxRedirects = opts.maxRedirects ?? 5;
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { status: null, finalUrl: raw, redirects: 0, error: 'not a valid URL' };
  }
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return { status: null, finalUrl: url.href, redirects: hop, error: `refused: only http and https (got ${url.protocol})` };
    }
    if (url.username || url.password) return { status: null, finalUrl: url.href, redirects: hop, error: 'refused: credentials in URL' };
    try {
      const target = await resolveVetted(url.hostname, isBlocked, lookup, deadline - Date.now());
      const left = deadline - Date.now();
      if (left <= 0) throw new ProbeError('timed out');
      const res = await requestOnce(url, target, left);
      if (res.status >= 300 && res.status < 400 && res.location) {
        if (hop >= maxRedirects) return { status: res.status, finalUrl: url.href, redirects: hop, error: `more than ${maxRedirects} redirects` };
        try {
          url = new URL(res.location, url);
        } catch {
          return { status: res.status, finalUrl: url.href, redirects: hop, error: 'redirect to an invalid URL' };
        }
        continue;
      }
      return { status: res.status, finalUrl: url.href, redirects: hop };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      return { status: null, finalUrl: url.href, redirects: hop, error: message.slice(0, 300) };
    }
  }
}

/**
 * Resolves a host the way a probe does and vets every address: the address to connect to, or the
 * reason it is refused. For destinations that are not fetched over HTTP (an SMTP server).
 */
export async function vetHost(hostname: string, opts: Pick<ProbeOptions, 'allowPrivate' | 'lookup' | 'timeoutMs'> = {}): Promise<{ address: string; family: number } | { error: string }> {
  const allowPrivate = opts.allowPrivate ?? privateHostsAllowed();
  try {
    return await resolveVetted(hostname, allowPrivate ? () => false : isPrivateAddress, opts.lookup ?? systemLookup, opts.timeoutMs ?? 10_000);
  } catch (e) {
    return { error: (e instanceof Error ? e.message : String(e)).slice(0, 300) };
  }
}

/**
 * One POST the way a notification must be sent: http/https only, the resolved address vetted (no
 * loopback/private host unless allowed) and connected to, no redirects followed, one deadline.
 */
export async function postVetted(
  raw: string,
  body: string,
  headers: Record<string, string>,
  opts: Pick<ProbeOptions, 'allowPrivate' | 'lookup' | 'timeoutMs'> = {},
): Promise<{ status: number | null; error?: string }> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { status: null, error: 'not a valid URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { status: null, error: `refused: only http and https (got ${url.protocol})` };
  const target = await vetHost(url.hostname, { ...opts, timeoutMs: deadline - Date.now() });
  if ('error' in target) return { status: null, error: target.error };
  try {
    const res = await requestOnce(url, target, Math.max(1, deadline - Date.now()), { method: 'POST', headers: { 'user-agent': 'worker-watchdog-notify/1', ...headers }, body });
    return { status: res.status };
  } catch (e) {
    return { status: null, error: (e instanceof Error ? e.message : String(e)).slice(0, 300) };
  }
}
