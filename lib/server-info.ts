import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { dataDir } from '@/db/client';
import { currentRuntime, type Runtime } from '@/lib/watchdog/runtime';

/**
 * While a server holds the embedded database it writes <data dir>/server.json (mode 0600) with its
 * pid, port and a local admin secret, so the CLI can route administration through it.
 */
export interface ServerInfo {
  pid: number;
  port: number;
  secret: string;
}

export function serverInfoPath(): string {
  return path.join(dataDir(), 'server.json');
}

export function writeServerInfo(port: number): ServerInfo {
  const info: ServerInfo = { pid: process.pid, port, secret: randomBytes(32).toString('base64url') };
  fs.mkdirSync(dataDir(), { recursive: true });
  const tmp = serverInfoPath() + '.tmp';
  fs.writeFileSync(tmp, JSON.stringify(info), { mode: 0o600 });
  fs.renameSync(tmp, serverInfoPath());
  const cleanup = () => {
    try {
      const current = JSON.parse(fs.readFileSync(serverInfoPath(), 'utf8')) as ServerInfo;
      if (current.pid === process.pid) fs.rmSync(serverInfoPath(), { force: true });
    } catch {
      /* gone already */
    }
  };
  process.once('exit', cleanup);
  return info;
}

/** The local admin secret this server wrote to server.json, held by the runtime. */
export function rememberServerInfo(info: ServerInfo, runtime: Runtime = currentRuntime()) {
  runtime.adminSecret = info.secret;
}

export function checkAdminSecret(presented: string | null, runtime: Runtime = currentRuntime()): boolean {
  const secret = runtime.adminSecret;
  if (!secret || !presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Is there a process with this pid? EPERM means there is one, run by another user. */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live server holding the embedded database, if any (a server.json left by a killed server is ignored). */
export function readLiveServerInfo(): ServerInfo | null {
  let info: ServerInfo;
  try {
    info = JSON.parse(fs.readFileSync(serverInfoPath(), 'utf8')) as ServerInfo;
  } catch {
    return null;
  }
  if (!Number.isInteger(info?.pid) || !Number.isInteger(info?.port) || typeof info?.secret !== 'string') return null;
  return processExists(info.pid) ? info : null;
}
