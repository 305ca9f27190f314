import { CliError } from '../args';
import { runAdminCommand } from '../admin-client';

export async function main(argv: string[]): Promise<number> {
  if (argv[0] !== 'verify') throw new CliError('usage: watchdog audit verify');
  const result = (await runAdminCommand('audit.verify')) as { ok: boolean; checked: number; first_bad_id?: number; reason?: string };
  process.stdout.write(JSON.stringify(result) + '\n');
  if (!result.ok) {
    process.stderr.write(`audit chain broken at entry ${result.first_bad_id}: ${result.reason}\n`);
    return 1;
  }
  return 0;
}
