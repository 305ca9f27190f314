import { postHelperEvent } from '@/lib/http/ingest-routes';
import { methodNotAllowed } from '@/lib/http/methods';

export const POST = postHelperEvent;

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['POST']);
