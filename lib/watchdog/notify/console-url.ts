/**
 * The console's address for links in messages: WATCHDOG_PUBLIC_URL, else the origin the console
 * was last reached at (remembered from requests), else NEXTAUTH_URL, else localhost on PORT.
 */
const key = Symbol.for('worker-watchdog.console-origin');
type G = typeof globalThis & { [key]?: string };

export function rememberConsoleOrigin(origin: string | null | undefined): void {
  if (origin && /^https?:\/\/[^/]+$/.test(origin)) (globalThis as G)[key] = origin;
}

export function consoleBaseUrl(): string {
  return (process.env.WATCHDOG_PUBLIC_URL || (globalThis as G)[key] || process.env.NEXTAUTH_URL || `http://localhost:${process.env.PORT ?? 3000}`).replace(/\/+$/, '');
}
