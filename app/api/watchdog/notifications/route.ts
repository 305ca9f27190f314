import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { NotificationQuery } from '@/lib/schemas/oncall';
import { listNotifications } from '@/lib/watchdog/notify';

export const GET = route({ name: 'GET /notifications', permission: 'notifications.read', query: NotificationQuery }, ({ ctx, query }) => listNotifications(ctx.db, query));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['GET']);
