import { route } from '@/lib/http/route';
import { buildOpenApiDocument } from '@/lib/openapi';

export const GET = route({ name: 'GET /openapi.json', permission: 'public' }, async () => buildOpenApiDocument());
