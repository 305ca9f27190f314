import { ConfigError } from '@/lib/config-fields';
import { CliError } from './args';

/** Each command lives in cli/commands/<name>.ts and exports `main(argv): Promise<number>`. */
const commands: Record<string, string> = {
  migrate: 'migrate',
  token: 'token',
  user: 'user',
  sweep: 'sweep',
  audit: 'audit',
  run: 'run',
  worker: 'worker',
  simulate: 'simulate',
  spool: 'spool',
};

const usage = `usage: watchdog <command> [options]

  migrate                                   apply all database migrations
  token create --role ROLE [--worker-id ID] [--name NAME]     prints the token alone on stdout
  token list [--json] | token revoke TOKEN_ID
  user create --email E --role supervisor|owner [--password P]   (password from stdin otherwise)
  sweep                                     run one watchdog sweep now, print findings as JSON
  audit verify                              recompute the audit hash chain (exit 1 on a break)
  run --job ID --phase PHASE [--config FILE] [--worker-id ID] [--fencing-token N] [--quiet] -- CMD [ARGS...]
                                            one helper command under the self-repair policy
                                            (exit: CMD's last exit code; 3 when the complete gate refused)
  worker --config FILE [--max-jobs N] [--once] [--quiet]
                                            a whole worker lifecycle under the watchdog
  simulate --workers N --jobs M [--faults SPEC] [--seed S] [--fast] [--time-scale X]
           [--prefix P] [--no-sweep] [--json] [--quiet]
                                            a seeded fleet of simulated workers with injected faults
  spool flush [--config FILE] [--json]      send events spooled while the console was unreachable
  spool status [--config FILE] [--json]     what is waiting in the spool

Environment: DATABASE_URL, WATCHDOG_DATA_DIR, WATCHDOG_URL, WATCHDOG_TOKEN, WATCHDOG_SPOOL_DIR and more:
every variable is listed in docs/OPERATIONS.md ("Configuration").
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage);
    return name ? 0 : 2;
  }
  const module = commands[name];
  if (!module) {
    process.stderr.write(`watchdog: unknown command "${name}"\n${usage}`);
    return 2;
  }
  const mod = (await import(`./commands/${module}.ts`)) as { main: (argv: string[]) => Promise<number> };
  return mod.main(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof CliError || e instanceof ConfigError) {
      process.stderr.write(`watchdog: ${e.message}\n`);
      process.exit(e.exitCode);
    }
    process.stderr.write(`watchdog: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
