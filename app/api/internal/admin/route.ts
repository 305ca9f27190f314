import type { NextRequest } from 'next/server';
import { errorBody } from '@/lib/http/route';
import { runLocalAdmin } from '@/lib/http/local-admin';

/** The CLI's channel while this server holds the embedded database (secret from server.json). */
export async function POST(req: NextRequest) {
  const { status, body } = await runLocalAdmin(req);
  return Response.json(body ?? errorBody('internal_error', 'internal error'), { status });
}
