import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

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
] as const) blocked.addSubnet(addr, prefix, 'ipv4');
for (const [addr, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['64:ff9b::', 96],
  ['100::', 64],
] as const) blocked.addSubnet(addr, prefix, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return blocked.check(mapped[1], 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return true;
}

export interface ProbeResult {
  status: number | null;
  finalUrl: string;
  redirects: number;
  error?: string;
}

export interface ProbeOptions {
  allowPrivate?: boolean;
  timeoutMs?: number;
  maxRedirects?: number;
}

export function privateHostsAllowed(): boolean {
  return process.env.WATCHDOG_ALLOW_PRIVATE_ARTIFACT_HOSTS === '1';
}

class ProbeError extends Error {}

/** Resolves a host and vets every address; the vetted address is the one connected to (no rebinding). */
async function resolveVetted(hostname: string, allowPrivate: boolean): Promise<{ address: string; family: number }> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const literal = net.isIP(host);
  const addrs = literal ? [{ address: host, family: literal }] : await dns.promises.lookup(host, { all: true, verbatim: true });
  if (!addrs.length) throw new ProbeError(`${hostname} did not resolve`);
  if (!allowPrivate) {
    const bad = addrs.find((a) => isPrivateAddress(a.address));
    if (bad) throw new ProbeError(`refused: ${hostname} resolves to a private, loopback or link-local address (${bad.address})`);
  }
  return addrs[0];
}

function requestOnce(url: URL, target: { address: string; family: number }, timeoutMs: number): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(
      url,
      {
        method: 'GET',
        headers: { 'user-agent': 'worker-watchdog-artifact-check/1', accept: '*/*' },
        lookup: (_host, _opts, cb) => (cb as (e: null, a: string, f: number) => void)(null, target.address, target.family),
        timeout: timeoutMs,
      },
      (res) => {
        resolve({ status: res.statusCode ?? 0, location: res.headers.location });
        res.destroy();
      },
    );
    req.on('timeout', () => req.destroy(new ProbeError(`timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Requests a URL the way an artifact check must: http/https only, redirects followed (≤ 5) with
 * every hop re-vetted, one overall timeout, private targets refused unless allowed.
 */
export async function probeUrl(raw: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const allowPrivate = opts.allowPrivate ?? privateHostsAllowed();
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
    const left = deadline - Date.now();
    if (left <= 0) return { status: null, finalUrl: url.href, redirects: hop, error: 'timed out' };
    try {
      const target = await resolveVetted(url.hostname, allowPrivate);
      const res = await requestOnce(url, target, left);
      if (res.status >= 300 && res.status < 400 && res.location) {
        if (hop >= maxRedirects) return { status: res.status, finalUrl: url.href, redirects: hop, error: `more than ${maxRedirects} redirects` };
        url = new URL(res.location, url);
        continue;
      }
      return { status: res.status, finalUrl: url.href, redirects: hop };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      return { status: null, finalUrl: url.href, redirects: hop, error: message.slice(0, 300) };
    }
  }
}
