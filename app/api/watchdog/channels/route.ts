import { methodNotAllowed } from '@/lib/http/methods';
import { reply, route } from '@/lib/http/route';
import { ChannelInput } from '@/lib/schemas/oncall';
import { createChannel, listChannels, rememberConsoleOrigin } from '@/lib/watchdog/notify';

export const POST = route({ name: 'POST /channels', permission: 'channels.manage', body: ChannelInput }, async ({ ctx, body }) => reply(201, { channel: await createChannel(ctx, body) }));

export const GET = route({ name: 'GET /channels', permission: 'channels.read' }, async ({ ctx, req }) => {
  rememberConsoleOrigin(new URL(req.url).origin);
  return { channels: await listChannels(ctx.db) };
});

export const { PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['GET', 'POST']);
