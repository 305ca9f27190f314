import { config } from '@/lib/config';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { dataDir } from '@/db/client';

/**
 * Channel secrets at rest: AES-256-GCM under a key from WATCHDOG_SECRET_KEY (64 hex characters or
 * base64 of 32 bytes; any other text is hashed to a key), else a key generated once into the data
 * directory (`secret-key`, mode 0600). Consoles sharing one PostgreSQL must share the key.
 */
const VERSION = 'v1';
const keyCache = new Map<string, Buffer>();

function keyFromText(text: string): Buffer {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  const b = Buffer.from(t, 'base64');
  if (b.length === 32 && /^[A-Za-z0-9+/_-]+=*$/.test(t)) return b;
  return createHash('sha256').update(t).digest();
}

export function secretKeyFile(dir = dataDir()): string {
  return path.join(dir, 'secret-key');
}

/** The key: from the environment, else read from (or created once in) the data directory. */
export function secretKey(): Buffer {
  const env = config().secretKey;
  if (env) return keyFromText(env);
  const file = secretKeyFile();
  const cached = keyCache.get(file);
  if (cached) return cached;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    fs.writeFileSync(file, randomBytes(32).toString('hex') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const key = keyFromText(fs.readFileSync(file, 'utf8'));
  keyCache.set(file, key);
  return key;
}

export function sealSecret(plain: string, key = secretKey()): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64')}`;
}

/** Throws when the text was sealed under another key or altered. */
export function openSecret(sealed: string, key = secretKey()): string {
  const [version, payload] = sealed.split(':');
  if (version !== VERSION || !payload) throw new Error('not a sealed secret');
  const raw = Buffer.from(payload, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}
