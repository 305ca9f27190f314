import { readLiveServerInfo } from '@/lib/server-info';
import { prepareDatabase } from '@/lib/watchdog/runtime';

export async function main(): Promise<number> {
  if (!process.env.DATABASE_URL && readLiveServerInfo()) {
    process.stdout.write('the running server applied the migrations at start\n');
    return 0;
  }
  const database = await prepareDatabase();
  await database.close();
  process.stdout.write(`migrations applied (${database.describe})\n`);
  return 0;
}
