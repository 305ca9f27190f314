import { postHelperEventBatch } from '@/lib/http/ingest-routes';
import { methodNotAllowed } from '@/lib/http/methods';

export const POST = postHelperEventBatch;

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['POST']);
