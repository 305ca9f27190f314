import { routeHandlers } from '@/lib/http/route-table';

export const dynamic = 'force-dynamic';

export const { GET, POST, PUT, PATCH, DELETE, OPTIONS } = routeHandlers('/api/health');
