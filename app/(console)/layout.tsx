import { AppShell } from '@/components/shell/app-shell';
import { requireConsoleUser } from './console-session';

/** Every console page needs a signed-in supervisor or owner; anonymous visitors go to /login. */
export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  const user = await requireConsoleUser();
  return <AppShell user={{ email: user.email, role: user.role }}>{children}</AppShell>;
}
