import { methodNotAllowed } from '@/lib/http/methods';
import { reply, route } from '@/lib/http/route';
import { SilenceInput, SilenceQuery } from '@/lib/schemas/oncall';
import { createSilence, listSilences } from '@/lib/watchdog/incidents';

export const POST = route({ name: 'POST /silences', permission: 'silences.write', body: SilenceInput }, async ({ ctx, body }) => reply(201, { silence: await createSilence(ctx, body) }));

export const GET = route({ name: 'GET /silences', permission: 'silences.read', query: SilenceQuery }, async ({ ctx, query }) => ({ silences: await listSilences(ctx.db, ctx.now, query.state) }));

export const { PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['GET', 'POST']);
