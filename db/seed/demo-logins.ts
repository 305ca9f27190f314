import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { UserRole } from '@/lib/schemas/enums';

export interface DemoLogin {
  email: string;
  role: UserRole;
  password: string;
}

export function generateDemoPassword(): string {
  return `demo-${randomBytes(9).toString('base64url')}`;
}

/** Where the demo passwords are kept (mode 0600) so a later start can remind the newcomer of them. */
export function demoLoginsPath(dataDir: string): string {
  return path.join(dataDir, 'demo-logins.json');
}

export function readDemoLogins(dataDir: string): DemoLogin[] | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(demoLoginsPath(dataDir), 'utf8')) as { logins?: DemoLogin[] };
    return Array.isArray(parsed.logins) ? parsed.logins : null;
  } catch {
    return null;
  }
}

export function writeDemoLogins(dataDir: string, logins: DemoLogin[]) {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = demoLoginsPath(dataDir);
  fs.writeFileSync(file + '.tmp', JSON.stringify({ note: 'demo logins created on the first start; delete this file to stop the reminder', logins }, null, 2), { mode: 0o600 });
  fs.renameSync(file + '.tmp', file);
}

/** The logins in a box, for the `npm start` output. */
export function formatDemoLogins(logins: DemoLogin[], opts: { url: string; seeded: boolean; file: string }): string {
  const lines = [
    opts.seeded ? 'Demo fleet seeded (WATCHDOG_DEMO=0 turns this off).' : 'Demo logins (kept from the first start).',
    `Open ${opts.url} and sign in as:`,
    '',
    ...logins.map((l) => `  ${l.role.padEnd(10)} ${l.email.padEnd(24)} password: ${l.password}`),
    '',
    `Saved in ${opts.file} (delete it to stop this reminder).`,
  ];
  const width = Math.max(...lines.map((l) => l.length)) + 2;
  const bar = '═'.repeat(width);
  return [`╔${bar}╗`, ...lines.map((l) => `║ ${l.padEnd(width - 1)}║`), `╚${bar}╝`].join('\n');
}
