import { CliError, parseArgs } from '../args';
import { assertKnownArgs, runAdminCommand } from '../admin-client';

/** `audit verify`: recomputes the hash chain; exit 1 and the first bad entry when it is broken. */
export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'verify') throw new CliError('usage: watchdog audit verify');
  assertKnownArgs(parseArgs(rest), [], 0, 'usage: watchdog audit verify');
  const result = (await runAdminCommand('audit.verify')) as { ok: boolean; checked: number; first_bad_id?: number; reason?: string };
  process.stdout.write(JSON.stringify(result) + '\n');
  if (!result.ok) {
    process.stderr.write(`audit chain broken at entry ${result.first_bad_id}: ${result.reason}\n`);
    return 1;
  }
  return 0;
}
