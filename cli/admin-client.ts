import { readLiveServerInfo } from '@/lib/server-info';
import { executeAdminCommand } from '@/lib/watchdog/admin';
import { cliActor } from '@/lib/watchdog/context';
import { isWatchdogError } from '@/lib/watchdog/errors';
import { prepareDatabase } from '@/lib/watchdog/runtime';
import { CliError } from './args';

/**
 * Runs an administration command: through the live server when it holds the embedded database
 * (PGlite is single-process), otherwise directly on the database (PGlite or PostgreSQL).
 */
export async function runAdminCommand(command: string, args: Record<string, unknown> = {}): Promise<unknown> {
  const server = process.env.DATABASE_URL ? null : readLiveServerInfo();
  if (server) {
    const res = await fetch(`http://127.0.0.1:${server.port}/api/internal/admin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-watchdog-admin': server.secret },
      body: JSON.stringify({ command, args }),
    }).catch((e: Error) => {
      throw new CliError(`the server (pid ${server.pid}) holds the embedded database but did not answer: ${e.message}`, 1);
    });
    const body = (await res.json().catch(() => ({}))) as { result?: unknown; error?: { message: string; details?: unknown } };
    if (!res.ok) throw new CliError(formatError(body.error?.message ?? `server answered ${res.status}`, body.error?.details), 1);
    return body.result;
  }
  const database = await prepareDatabase();
  try {
    return await executeAdminCommand({ db: database.db, actor: cliActor, now: new Date() }, { command, args });
  } catch (e) {
    if (isWatchdogError(e)) throw new CliError(formatError(e.message, e.details), 1);
    throw e;
  } finally {
    await database.close();
  }
}

function formatError(message: string, details: unknown): string {
  if (Array.isArray(details) && details.length) {
    return `${message}: ${details.map((d: { path?: string; message?: string }) => `${d.path ? d.path + ': ' : ''}${d.message}`).join('; ')}`;
  }
  return message;
}
