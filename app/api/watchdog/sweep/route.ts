import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { runSweep } from '@/lib/watchdog/sweep';

export const POST = route({ name: 'POST /sweep', permission: 'sweep.run' }, ({ ctx }) => runSweep(ctx));

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['POST']);
