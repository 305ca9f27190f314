import fs from 'node:fs';
import { runnerEnv } from '@/lib/config-runner';
import path from 'node:path';
import { CliError, optionalFlag, parseArgs } from '../args';
import { IDENTIFIER } from '../runner/config';
import { configSkeleton, defaultWorkerId } from '../runner/config-skeleton';

const usage = 'usage: watchdog init [--config FILE] [--url URL] [--worker-id ID] [--force]';

/**
 * `watchdog init`: writes a config skeleton (default `watchdog.config.json` in the working
 * directory) with every key and a comment per key. The url comes from --url, else WATCHDOG_URL,
 * else http://127.0.0.1:3000; the worker id from --worker-id, else WATCHDOG_WORKER_ID, else the host
 * name. An existing file is never overwritten without --force (exit 2).
 */
export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['force']);
  if (args.positional.length) throw new CliError(`unexpected argument "${args.positional[0]}"\n${usage}`);
  const file = path.resolve(optionalFlag(args, 'config') ?? 'watchdog.config.json');
  const url = optionalFlag(args, 'url') ?? runnerEnv().WATCHDOG_URL ?? 'http://127.0.0.1:3000';
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new CliError(`--url "${url}" is not an http(s) URL`);
  }
  const workerId = optionalFlag(args, 'worker-id') ?? runnerEnv().WATCHDOG_WORKER_ID ?? defaultWorkerId();
  if (!IDENTIFIER.test(workerId)) throw new CliError(`--worker-id "${workerId}" may hold letters, digits and . _ : @ - only`);

  const text = configSkeleton({ url, workerId });
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // 'wx' fails when the file exists, in the same call that creates it (no check-then-write race)
    fs.writeFileSync(file, text, { flag: args.flags.force === true ? 'w' : 'wx', mode: 0o644 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CliError(`${file} exists; --force overwrites it`);
    throw new CliError(`cannot write ${file}: ${code ?? (e as Error).message}`, 1);
  }
  process.stdout.write(
    `wrote ${file}\n` +
      `next: replace the example helpers with your queue's commands, set WATCHDOG_TOKEN, then run \`worker${file === path.resolve('watchdog.config.json') ? '' : ` --config ${file}`}\`\n`,
  );
  return 0;
}
