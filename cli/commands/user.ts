import { USER_ROLES } from '@/lib/schemas/enums';
import { CliError, optionalFlag, parseArgs, requireFlag } from '../args';
import { assertKnownArgs, runAdminCommand } from '../admin-client';

const usage = `usage: watchdog user create --email E --role ${USER_ROLES.join('|')} [--password P]   (password from stdin otherwise)`;

/** The password from stdin: the whole input without its final newline. */
async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new CliError('give the password with --password or on stdin');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'create') throw new CliError(usage);
  const args = parseArgs(rest);
  assertKnownArgs(args, ['email', 'role', 'password'], 0, usage);
  const email = requireFlag(args, 'email');
  const role = requireFlag(args, 'role');
  if (!(USER_ROLES as readonly string[]).includes(role)) throw new CliError(`--role must be ${USER_ROLES.join(' or ')}`);
  const password = optionalFlag(args, 'password') ?? (await readStdin());
  if (!password) throw new CliError('the password is empty: give it with --password or on stdin');
  if (password.length < 8) throw new CliError('the password must have at least 8 characters');
  const user = (await runAdminCommand('user.create', { email, role, password })) as { id: string; email: string; role: string };
  process.stdout.write(`created ${user.role} ${user.email} (${user.id})\n`);
  return 0;
}
