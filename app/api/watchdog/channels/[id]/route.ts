import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { IdParams } from '@/lib/schemas/common';
import { ChannelPatch } from '@/lib/schemas/oncall';
import { deleteChannel, updateChannel } from '@/lib/watchdog/notify';

export const PATCH = route({ name: 'PATCH /channels/:id', permission: 'channels.manage', params: IdParams, body: ChannelPatch }, async ({ ctx, params, body }) => ({
  channel: await updateChannel(ctx, params.id, body),
}));

export const DELETE = route({ name: 'DELETE /channels/:id', permission: 'channels.manage', params: IdParams }, async ({ ctx, params }) => ({ channel: await deleteChannel(ctx, params.id) }));

export const { GET, POST, PUT, OPTIONS } = methodNotAllowed(['PATCH', 'DELETE']);
