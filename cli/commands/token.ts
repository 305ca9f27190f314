import { ROLES } from '@/lib/schemas/enums';
import { CliError, optionalFlag, parseArgs, requireFlag } from '../args';
import { assertKnownArgs, runAdminCommand } from '../admin-client';

const usage = 'usage: watchdog token create --role ROLE [--worker-id ID] [--name NAME] | token list [--json] | token revoke TOKEN_ID';
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface TokenRow {
  id: string;
  role: string;
  worker_id: string | null;
  name: string;
  prefix: string;
  revoked_at: string | null;
  created_at: string;
  last_used_at: string | null;
}

/** `token create` prints the secret alone on stdout (for `$(...)`); everything else goes to stderr. */
export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'create') {
    const args = parseArgs(rest);
    assertKnownArgs(args, ['role', 'worker-id', 'name'], 0, usage);
    const role = requireFlag(args, 'role');
    if (!(ROLES as readonly string[]).includes(role)) throw new CliError(`--role must be one of ${ROLES.join(', ')}`);
    const workerId = optionalFlag(args, 'worker-id');
    if (role === 'worker' && !workerId) throw new CliError('--worker-id is required for the worker role');
    if (role !== 'worker' && workerId) throw new CliError('--worker-id is only for the worker role');
    const name = optionalFlag(args, 'name') ?? (workerId ? `${role}-${workerId}` : `${role}-token`);
    const result = (await runAdminCommand('token.create', { role, worker_id: workerId ?? null, name })) as { id: string; token: string };
    process.stdout.write(result.token + '\n');
    process.stderr.write(`token id: ${result.id} (the secret above is shown this once)\n`);
    return 0;
  }
  if (sub === 'list') {
    const args = parseArgs(rest, ['json']);
    assertKnownArgs(args, ['json'], 0, usage);
    const tokens = (await runAdminCommand('token.list')) as TokenRow[];
    if (args.flags.json) {
      process.stdout.write(JSON.stringify(tokens, null, 2) + '\n');
      return 0;
    }
    process.stdout.write(['ID', 'ROLE', 'WORKER', 'NAME', 'PREFIX', 'STATE', 'CREATED'].join('\t') + '\n');
    for (const t of tokens) {
      process.stdout.write([t.id, t.role, t.worker_id ?? '-', t.name, t.prefix, t.revoked_at ? `revoked ${t.revoked_at}` : 'active', t.created_at].join('\t') + '\n');
    }
    return 0;
  }
  if (sub === 'revoke') {
    const args = parseArgs(rest);
    assertKnownArgs(args, [], 1, usage);
    const id = args.positional[0];
    if (!id) throw new CliError('usage: watchdog token revoke TOKEN_ID');
    if (!uuid.test(id)) throw new CliError(`"${id}" is not a token id: use an ID from \`watchdog token list\``);
    await runAdminCommand('token.revoke', { id });
    process.stdout.write(`revoked ${id}\n`);
    return 0;
  }
  throw new CliError(usage);
}
