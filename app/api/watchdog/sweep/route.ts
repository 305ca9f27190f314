import { route } from '@/lib/http/route';
import { runSweep } from '@/lib/watchdog/sweep';

export const POST = route({ name: 'POST /sweep', permission: 'sweep.run' }, ({ ctx }) => runSweep(ctx));
