// `npm run build:runner [-- --outfile FILE] [--verbose]`: bundles the runner (cli/runner/main.ts: the CLI's own run, worker, spool,
// init and version commands) into dist/watchdog-runner.mjs, one file that needs only Node ≥ 20 — no
// node_modules — to be fetched by worker machines (GET /api/watchdog/runner). The build fails when
// the bundle would load anything but Node's built-ins, take in database code, or reach 300 KB
// (checked on esbuild's metafile). Written atomically: a console serving the old file while this
// runs serves the old file or the new one, never half of one.
import { builtinModules } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const projectRoot = path.resolve(here, '..');
export const MAX_RUNNER_BYTES = 300 * 1024;
/** project folders whose code must never be in the runner: the database and the console */
// zod/mini is the one package bundled in (the runner's environment check, lib/config-runner.ts): it is
// compiled into the file, so the file still needs nothing but Node at run time
const FORBIDDEN_INPUTS = /^(node_modules\/(?!zod\/)|db\/|app\/|components\/|lib\/(http|auth|ingest|i18n)\/)/;

/** The runner's version as the bundle embeds it (package.json's). */
export function packageVersion(root = projectRoot) {
  return JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;
}

/** The version a runner file says it is, from its second line (`// watchdog-runner <version> …`). */
export function runnerFileVersion(text) {
  return /^\/\/ watchdog-runner (\S+)/m.exec(text.slice(0, 500))?.[1] ?? null;
}

/**
 * Builds the runner file; returns {file, bytes, version, inputs}. Throws (with every offender named)
 * when the bundle breaks one of the rules above.
 */
export async function buildRunner({ root = projectRoot, outfile = path.join(root, 'dist', 'watchdog-runner.mjs') } = {}) {
  const esbuild = await import('esbuild');
  const version = packageVersion(root);
  const result = await esbuild.build({
    entryPoints: [path.join(root, 'cli', 'runner', 'main.ts')],
    outfile,
    write: false,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    tsconfig: path.join(root, 'tsconfig.json'),
    absWorkingDir: root,
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
    banner: {
      js: [
        '#!/usr/bin/env node',
        `// watchdog-runner ${version} — the Worker Watchdog runner for worker machines (Node >= 20, no node_modules).`,
        '// Built from cli/runner by `npm run build:runner`; fetch it from the console: GET /api/watchdog/runner.',
        "if (Number(process.versions.node.split('.')[0]) < 20) { process.stderr.write(`watchdog-runner needs Node >= 20 (this is ${process.version})\\n`); process.exit(2); }",
      ].join('\n'),
    },
  });
  const problems = [];
  const inputs = Object.keys(result.metafile.inputs);
  for (const input of inputs) if (FORBIDDEN_INPUTS.test(input)) problems.push(`bundles ${input}`);
  const builtins = new Set(builtinModules);
  for (const output of Object.values(result.metafile.outputs)) {
    for (const imp of output.imports) {
      const name = imp.path.replace(/^node:/, '');
      if (!imp.external || !builtins.has(name)) problems.push(`imports ${imp.path} at run time (only Node built-ins may be)`);
    }
  }
  const [file] = result.outputFiles;
  if (file.contents.length >= MAX_RUNNER_BYTES) problems.push(`is ${file.contents.length} bytes (the limit is ${MAX_RUNNER_BYTES})`);
  if (problems.length) throw new Error(`the runner file ${[...new Set(problems)].join('; ')}`);

  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  const tmp = `${outfile}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, file.contents, { mode: 0o755 });
  fs.renameSync(tmp, outfile);
  const bySize = Object.entries(result.metafile.outputs[Object.keys(result.metafile.outputs)[0]].inputs)
    .map(([name, v]) => ({ name, bytes: v.bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes);
  return { file: outfile, bytes: file.contents.length, version, inputs: bySize };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--outfile');
  buildRunner(at > 0 && process.argv[at + 1] ? { outfile: path.resolve(process.argv[at + 1]) } : {}).then(
    (r) => {
      console.log(`wrote ${path.relative(process.cwd(), r.file) || r.file}: watchdog-runner ${r.version}, ${(r.bytes / 1024).toFixed(1)} KB, ${r.inputs.length} source files, Node built-ins only`);
      if (process.argv.includes('--verbose')) for (const i of r.inputs) console.log(`  ${String(i.bytes).padStart(7)}  ${i.name}`);
    },
    (e) => {
      console.error(`build:runner: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
