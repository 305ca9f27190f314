import { checkHealth } from '@/lib/http/health';
import { methodNotAllowed } from '@/lib/http/methods';

export const dynamic = 'force-dynamic';

export async function GET() {
  const { status, body } = await checkHealth();
  return Response.json(body, { status, headers: { 'cache-control': 'no-store' } });
}

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['GET']);
