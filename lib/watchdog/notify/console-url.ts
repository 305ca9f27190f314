/**
 * The console's address for links in messages: WATCHDOG_PUBLIC_URL, else the origin the console
 * was last reached at (remembered from requests), else NEXTAUTH_URL, else localhost on PORT.
 */
import { config } from '@/lib/config';

const key = Symbol.for('worker-watchdog.console-origin');
type G = typeof globalThis & { [key]?: string };

export function rememberConsoleOrigin(origin: string | null | undefined): void {
  if (origin && /^https?:\/\/[^/]+$/.test(origin)) (globalThis as G)[key] = origin;
}

export function consoleBaseUrl(): string {
  const c = config();
  return (c.publicUrlSet || (globalThis as G)[key] || c.nextauthUrl).replace(/\/+$/, '');
}
