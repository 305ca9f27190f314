import type { RuleSet } from '@/lib/watchdog/rules/portable';
import type { RunnerConfig } from './config';
import { type Executor, spawnExecutor } from './exec';
import { ConsoleClient } from './http';
import { learningsFilePath } from './learnings-file';
import type { PolicyContext } from './policy';
import { Reporter } from './reporter';
import { Spool } from './spool';
import { type LoadedRules, loadRules } from './state';
import { noteConsoleVersion } from './version';

export interface RunnerSession {
  config: RunnerConfig;
  client: ConsoleClient;
  spool: Spool;
  reporter: Reporter;
  /** the rules, loaded once per refresh; `refreshRules()` fetches again (the worker does per job) */
  rules: () => Promise<RuleSet>;
  refreshRules: () => Promise<LoadedRules>;
  policy: (extra?: Partial<PolicyContext>) => PolicyContext;
  log: (line: string) => void;
}

export function abortableSleep(signal?: AbortSignal): (ms: number) => Promise<void> {
  return (ms) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted || ms <= 0) return resolve();
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
}

export function openSession(config: RunnerConfig, opts: { executor?: Executor; signal?: AbortSignal; quiet?: boolean; echo?: boolean } = {}): RunnerSession {
  const log = (line: string) => {
    if (!opts.quiet) process.stderr.write(line.endsWith('\n') ? line : line + '\n');
  };
  const client = new ConsoleClient({ url: config.url, token: config.token, onConsoleVersion: (v) => noteConsoleVersion(v, log) });
  const spool = new Spool(config.spoolDir);
  const reporter = new Reporter(client, spool, { authority: config.authority, stateDir: config.stateDir, token: config.token, log });
  let current: Promise<LoadedRules> | null = null;
  const refreshRules = () => {
    current = loadRules(client, config.stateDir).then((r) => {
      if (r.source !== 'console') log(`watchdog: rules from ${r.source === 'cache' ? 'the local cache' : 'the built-in defaults'} (version ${r.rules.version}): the console did not answer`);
      return r;
    });
    return current;
  };
  const rules = () => (current ?? refreshRules()).then((r) => r.rules);
  const session: RunnerSession = {
    config,
    client,
    spool,
    reporter,
    rules,
    refreshRules,
    log,
    policy: (extra = {}) => ({
      workerId: config.workerId,
      reporter,
      executor: opts.executor ?? spawnExecutor,
      rules,
      touch: config.helpers.touch ?? null,
      sleep: abortableSleep(opts.signal),
      log,
      signal: opts.signal,
      echo: opts.echo,
      learningsFile: learningsFilePath(config.stateDir),
      ...extra,
    }),
  };
  return session;
}
