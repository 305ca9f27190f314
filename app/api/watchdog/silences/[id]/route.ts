import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { IdParams } from '@/lib/schemas/common';
import { endSilence } from '@/lib/watchdog/incidents';

export const DELETE = route({ name: 'DELETE /silences/:id', permission: 'silences.write', params: IdParams }, async ({ ctx, params }) => ({ silence: await endSilence(ctx, params.id) }));

export const { GET, POST, PUT, PATCH, OPTIONS } = methodNotAllowed(['DELETE']);
