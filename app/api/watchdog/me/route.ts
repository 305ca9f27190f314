import { routeHandlers } from '@/lib/http/route-table';

export const { GET, POST, PUT, PATCH, DELETE, OPTIONS } = routeHandlers('/api/watchdog/me');
