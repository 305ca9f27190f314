import { CliError, optionalFlag, parseArgs, requireFlag } from '../args';
import { runAdminCommand } from '../admin-client';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new CliError('give the password with --password or on stdin');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'create') throw new CliError('usage: watchdog user create --email E --role supervisor|owner [--password P]');
  const args = parseArgs(rest);
  const email = requireFlag(args, 'email');
  const role = requireFlag(args, 'role');
  if (role !== 'supervisor' && role !== 'owner') throw new CliError('--role must be supervisor or owner');
  const password = optionalFlag(args, 'password') ?? (await readStdin());
  const user = (await runAdminCommand('user.create', { email, role, password })) as { id: string; email: string; role: string };
  process.stdout.write(`created ${user.role} ${user.email} (${user.id})\n`);
  return 0;
}
