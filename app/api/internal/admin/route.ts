import type { NextRequest } from 'next/server';
import { runLocalAdmin } from '@/lib/http/local-admin';
import { methodNotAllowed } from '@/lib/http/methods';

/** The CLI's channel while this server holds the embedded database (secret from server.json). */
export async function POST(req: NextRequest) {
  const { status, body } = await runLocalAdmin(req);
  return Response.json(body, { status, headers: { 'cache-control': 'no-store' } });
}

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['POST']);
