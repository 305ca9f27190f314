import { CliError, optionalFlag, parseArgs, requireFlag } from '../args';
import { runAdminCommand } from '../admin-client';

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const args = parseArgs(rest);
  if (sub === 'create') {
    const role = requireFlag(args, 'role');
    const workerId = optionalFlag(args, 'worker-id');
    if (role === 'worker' && !workerId) throw new CliError('--worker-id is required for the worker role');
    const name = optionalFlag(args, 'name') ?? (workerId ? `${role}-${workerId}` : `${role}-token`);
    const result = (await runAdminCommand('token.create', { role, worker_id: workerId ?? null, name })) as { id: string; token: string };
    process.stdout.write(result.token + '\n');
    process.stderr.write(`token id: ${result.id} (the secret above is shown this once)\n`);
    return 0;
  }
  if (sub === 'list') {
    const tokens = (await runAdminCommand('token.list')) as { id: string; role: string; worker_id: string | null; name: string; revoked_at: string | null; created_at: string }[];
    for (const t of tokens) {
      process.stdout.write([t.id, t.role, t.worker_id ?? '-', t.name, t.revoked_at ? `revoked ${t.revoked_at}` : 'active', t.created_at].join('\t') + '\n');
    }
    return 0;
  }
  if (sub === 'revoke') {
    const id = args.positional[0];
    if (!id) throw new CliError('usage: watchdog token revoke TOKEN_ID');
    await runAdminCommand('token.revoke', { id });
    process.stdout.write(`revoked ${id}\n`);
    return 0;
  }
  throw new CliError('usage: watchdog token create --role ROLE [--worker-id ID] [--name NAME] | token list | token revoke TOKEN_ID');
}
