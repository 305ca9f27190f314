import { parseArgs } from '../args';
import { assertKnownArgs, runAdminCommand } from '../admin-client';

/** Runs one watchdog sweep now and prints its findings as JSON. */
export async function main(argv: string[] = []): Promise<number> {
  assertKnownArgs(parseArgs(argv), [], 0, 'usage: watchdog sweep');
  const result = await runAdminCommand('sweep');
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  return 0;
}
