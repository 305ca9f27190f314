import type { KnipConfig } from 'knip';

/**
 * knip: files nothing reaches, exports nobody imports, dependencies nobody uses. `npm run lint` runs it.
 * The Next.js plugin adds the App Router entries (app/**\/page.tsx, layout, route.ts, instrumentation.ts …);
 * vitest, Playwright and drizzle-kit add their configs; the rest is listed here.
 */
const config: KnipConfig = {
  entry: [
    // the CLI: bin/watchdog.mjs (package.json "bin") bundles cli/index.ts, which loads each command by name
    'cli/commands/*.ts',
    // the one-file runner (npm run build:runner bundles it into dist/watchdog-runner.mjs)
    'cli/runner/main.ts',
    'scripts/*.mjs',
    'bench/*.{ts,mjs}',
  ],
  project: ['**/*.{ts,tsx,mjs,css}'],
  vitest: { config: ['vitest.config.ts', 'vitest.stress.config.ts'] },
  // an export used in its own file is part of that file's design, not dead code
  ignoreExportsUsedInFile: true,
  // lib/schemas/enums.ts names a type beside every list (the one source of each enum); a type no file uses yet is not dead code
  ignoreIssues: { 'lib/schemas/enums.ts': ['types'] },
  ignoreDependencies: [
    // Next.js resolves `import 'server-only'` itself (a build-time guard), no package is installed
    'server-only',
    // run as a binary by scripts/lint-openapi.mjs (node_modules/.bin/redocly)
    '@redocly/cli',
    // type packages of the test-only SMTP server and mail parser (test/oncall.test.ts)
    '@types/mailparser',
    '@types/smtp-server',
  ],
  // scripts/pg-throwaway.mjs drops root for the throwaway PostgreSQL with the system's su
  ignoreBinaries: ['su'],
};

export default config;
