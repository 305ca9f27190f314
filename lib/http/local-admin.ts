import type { NextRequest } from 'next/server';
import { log } from '@/lib/log';
import { checkAdminSecret } from '@/lib/server-info';
import { executeAdminCommand } from '@/lib/watchdog/access';
import { cliActor } from '@/lib/watchdog/context';
import { isWatchdogError } from '@/lib/watchdog/errors';
import { getRuntimeDatabase } from '@/lib/watchdog/runtime';
import { parseJson, readBody } from './body';
import { errorBody } from './respond';

/** The CLI's channel into a server that holds the embedded database; the secret comes from server.json. */
export async function runLocalAdmin(req: NextRequest): Promise<{ status: number; body: unknown }> {
  if (!checkAdminSecret(req.headers.get('x-watchdog-admin'))) return { status: 401, body: errorBody('unauthenticated', 'local admin secret required') };
  try {
    const input = parseJson(await readBody(req));
    const { db } = await getRuntimeDatabase();
    return { status: 200, body: { result: await executeAdminCommand({ db, actor: cliActor, now: new Date() }, input) } };
  } catch (e) {
    if (isWatchdogError(e)) return { status: e.status, body: errorBody(e.code, e.message, e.details) };
    log.error({ err: e }, 'local admin command failed');
    return { status: 500, body: errorBody('internal_error', 'internal error') };
  }
}
