import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { buildOpenApiDocument } from '@/lib/openapi';

export const GET = route({ name: 'GET /openapi.json', permission: 'public' }, async () => buildOpenApiDocument());

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['GET']);
