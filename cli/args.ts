/** An error that ends the CLI with one clear line on stderr and this exit code (2: usage/config). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

export interface ParsedArgs {
  flags: Record<string, string | boolean>;
  positional: string[];
  /** everything after `--` */
  rest: string[];
}

/** `--name value`, `--name=value`, `--flag` (boolean when `booleans` names it), positionals, `--` rest. */
export function parseArgs(argv: string[], booleans: string[] = []): ParsedArgs {
  const flags: Record<string, string | boolean> = {};
  const positional: string[] = [];
  let rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest = argv.slice(i + 1);
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) flags[key] = a.slice(eq + 1);
      else if (booleans.includes(key)) flags[key] = true;
      else {
        const v = argv[i + 1];
        if (v === undefined || v.startsWith('--')) throw new CliError(`--${key} needs a value`);
        flags[key] = v;
        i++;
      }
    } else positional.push(a);
  }
  return { flags, positional, rest };
}

export function requireFlag(args: ParsedArgs, name: string): string {
  const v = args.flags[name];
  if (typeof v !== 'string' || !v) throw new CliError(`--${name} is required`);
  return v;
}

export function optionalFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags[name];
  return typeof v === 'string' ? v : undefined;
}
