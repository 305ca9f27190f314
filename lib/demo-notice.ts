import { dataDir } from '@/db/client';
import { demoLoginsPath, readDemoLogins } from '@/db/seed/demo-logins';

/**
 * On a demo install (the first `npm start` seeded the demo fleet and kept its logins): where those logins
 * were printed and are stored, for the login page. Never the passwords themselves. Null otherwise, or once
 * the file is deleted.
 */
export function demoLoginsNotice(): { file: string } | null {
  const dir = dataDir();
  return readDemoLogins(dir) ? { file: demoLoginsPath(dir) } : null;
}
