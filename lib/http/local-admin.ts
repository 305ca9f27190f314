import type { NextRequest } from 'next/server';
import { log } from '@/lib/log';
import { checkAdminSecret } from '@/lib/server-info';
import { executeAdminCommand } from '@/lib/watchdog/access';
import { cliActor } from '@/lib/watchdog/context';
import { errorBody, errorToAnswer } from '@/lib/watchdog/errors';
import { currentRuntime, runtimeCtx } from '@/lib/watchdog/runtime';
import { assertJsonContentType, parseJson, readBody } from './body';

/** The CLI's channel into a server that holds the embedded database; the secret comes from server.json. */
export async function runLocalAdmin(req: NextRequest): Promise<{ status: number; body: unknown }> {
  const runtime = currentRuntime();
  if (!checkAdminSecret(req.headers.get('x-watchdog-admin'), runtime)) return { status: 401, body: errorBody('unauthenticated', 'local admin secret required') };
  try {
    assertJsonContentType(req.headers);
    const input = parseJson(await readBody(req));
    const { db } = await runtime.database();
    return { status: 200, body: { result: await executeAdminCommand(runtimeCtx(runtime, db, cliActor), input) } };
  } catch (e) {
    const answer = errorToAnswer(e);
    if (!answer.known) log.error({ err: e }, 'local admin command failed');
    return { status: answer.status, body: answer.body };
  }
}
