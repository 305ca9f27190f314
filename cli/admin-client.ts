import { config } from '@/lib/config';
import { readLiveServerInfo } from '@/lib/server-info';
import { executeAdminCommand } from '@/lib/watchdog/access';
import { cliActor } from '@/lib/watchdog/context';
import { isWatchdogError } from '@/lib/watchdog/errors';
import { prepareDatabase } from '@/lib/watchdog/runtime';
import { CliError, type ParsedArgs } from './args';

/**
 * Runs an administration command: through the live server when it holds the embedded database
 * (PGlite is single-process), otherwise directly on the database (PGlite or PostgreSQL).
 */
export async function runAdminCommand(command: string, args: Record<string, unknown> = {}): Promise<unknown> {
  const server = config().databaseUrl ? null : readLiveServerInfo();
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

/** One line: the message and each field problem, with field paths as the user typed them. */
function formatError(message: string, details: unknown): string {
  if (Array.isArray(details) && details.length) {
    const fields = details.map((d: { path?: string; message?: string }) => {
      const field = (d.path ?? '').replace(/^args\.?/, '').replace(/_/g, '-');
      return `${field ? `--${field}: ` : ''}${d.message}`;
    });
    return `${message}: ${fields.join('; ')}`;
  }
  return message;
}

/** A typo in an option must not be ignored silently: unknown options and stray arguments are usage errors (exit 2). */
export function assertKnownArgs(args: ParsedArgs, known: readonly string[], positionals = 0, usage = '') {
  const unknown = Object.keys(args.flags).filter((f) => !known.includes(f));
  if (unknown.length) throw new CliError(`unknown option ${unknown.map((f) => `--${f}`).join(', ')}${usage ? `; ${usage}` : ''}`);
  if (args.positional.length > positionals) throw new CliError(`unexpected argument "${args.positional[positionals]}"${usage ? `; ${usage}` : ''}`);
  if (args.rest.length) throw new CliError(`unexpected arguments after --${usage ? `; ${usage}` : ''}`);
}
