import { ConfigError } from '@/lib/config-fields';
import { CliError } from './args';

/** A command module: cli/commands/<name>.ts exports `main(argv): Promise<number>` (the exit code). */
export type CommandTable = Record<string, () => Promise<{ main: (argv: string[]) => Promise<number> }>>;

/**
 * Runs `argv[0]` from the table and exits with its code; a CliError is one `watchdog: …` line and
 * its exit code, anything else one line and exit 1. The `watchdog` CLI and the stand-alone runner
 * file both start here.
 */
export function runCommandLine(commands: CommandTable, usage: string, argv: string[], unknown?: (name: string) => string | null): void {
  const main = async (): Promise<number> => {
    const [name, ...rest] = argv;
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      process.stdout.write(usage);
      return name ? 0 : 2;
    }
    const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (!load) {
      process.stderr.write(`${unknown?.(name) ?? `watchdog: unknown command "${name}"`}\n${usage}`);
      return 2;
    }
    return (await load()).main(rest);
  };
  main().then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`watchdog: ${e instanceof Error ? e.message : String(e)}\n`);
      // a bad setting (one line naming the variable) stops like a bad argument: exit 2
      process.exit(e instanceof CliError ? e.exitCode : e instanceof ConfigError ? 2 : 1);
    },
  );
}
