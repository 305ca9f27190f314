import { checkHealth } from '@/lib/http/health';

export const dynamic = 'force-dynamic';

export async function GET() {
  const { status, body } = await checkHealth();
  return Response.json(body, { status, headers: { 'cache-control': 'no-store' } });
}
