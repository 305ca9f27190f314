import { config } from '@/lib/config';
import { readLiveServerInfo } from '@/lib/server-info';
import { prepareDatabase } from '@/lib/watchdog/runtime';
import { parseArgs } from '../args';
import { assertKnownArgs } from '../admin-client';

/** Applies all migrations (and the version-1 rules). A live server on the embedded database did so at its start. */
export async function main(argv: string[] = []): Promise<number> {
  assertKnownArgs(parseArgs(argv), [], 0, 'usage: watchdog migrate');
  const live = config().databaseUrl ? null : readLiveServerInfo();
  if (live) {
    process.stdout.write(`the running server (pid ${live.pid}) holds the embedded database and applied the migrations at its start\n`);
    return 0;
  }
  const database = await prepareDatabase();
  await database.close();
  process.stdout.write(`migrations applied (${database.describe})\n`);
  return 0;
}
