import { unknownApiPath } from '@/lib/http/methods';

/** Any /api path no route file serves: 404 in the API.md error shape instead of Next's HTML page. */
export const { GET, POST, PUT, PATCH, DELETE, OPTIONS } = unknownApiPath();
