import { runAdminCommand } from '../admin-client';

export async function main(): Promise<number> {
  const result = await runAdminCommand('sweep');
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  return 0;
}
