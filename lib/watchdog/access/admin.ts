import { z } from 'zod';
import { TokenCreateInput, UserCreateInput } from '@/lib/schemas/admin';
import { verifyAuditChain } from '../audit';
import type { Ctx } from '../context';
import { validationFailed } from '../errors';
import { runSweep } from '../sweep';
import { createToken, listTokens, revokeToken } from './tokens';
import { createUser } from './create-user';

/**
 * Local administration (the CLI's token, user, sweep and audit commands). The CLI runs these
 * directly on the database, or — when a server holds the embedded database — through the
 * server's local admin endpoint, so both paths share this one function.
 */
export const AdminCommand = z.discriminatedUnion('command', [
  z.object({ command: z.literal('token.create'), args: TokenCreateInput }),
  z.object({ command: z.literal('token.list'), args: z.object({}).optional() }),
  z.object({ command: z.literal('token.revoke'), args: z.object({ id: z.uuid() }) }),
  z.object({ command: z.literal('user.create'), args: UserCreateInput }),
  z.object({ command: z.literal('sweep'), args: z.object({}).optional() }),
  z.object({ command: z.literal('audit.verify'), args: z.object({}).optional() }),
]);
export type AdminCommand = z.infer<typeof AdminCommand>;

export async function executeAdminCommand(ctx: Ctx, input: unknown): Promise<unknown> {
  const parsed = AdminCommand.safeParse(input);
  if (!parsed.success) throw validationFailed(parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  const cmd = parsed.data;
  switch (cmd.command) {
    case 'token.create':
      return createToken(ctx, cmd.args);
    case 'token.list':
      return listTokens(ctx);
    case 'token.revoke':
      return revokeToken(ctx, cmd.args.id);
    case 'user.create':
      return createUser(ctx, cmd.args);
    case 'sweep':
      return runSweep(ctx);
    case 'audit.verify':
      return verifyAuditChain(ctx.db);
  }
}
