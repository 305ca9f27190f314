// @ts-check
/**
 * ESLint: typescript-eslint's recommended rules, the Next.js and React hooks rules for the console, and the
 * import bans that keep the layers (docs/ARCHITECTURE.md, "The lint rules that keep the layers"):
 *   app/            never imports db/ (a route calls a domain verb; no SQL in app/)
 *   lib/watchdog/   never imports next, react, lib/http/, lib/ingest/, app/, components/ (the domain knows no HTTP)
 *   components/     never imports db/ or the domain: answer types come from lib/schemas/ through components/lib/types.ts
 *   everywhere      a domain aggregate is imported through its folder (@/lib/watchdog/leases), never its inner files
 *   cli/runner/     imports nothing heavy: it is bundled alone into dist/watchdog-runner.mjs
 */
import js from '@eslint/js';
import nextPlugin from '@next/eslint-plugin-next';
import reactHooks from 'eslint-plugin-react-hooks';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

const AGGREGATES = 'leases|events|incidents|repairs|artifacts|rules|sweep|notify|fleet|jobs|audit|metrics|access|live';

/** One restriction: an import whose specifier matches `regex` is refused with `message`. */
const ban = (regex, message, extra = {}) => ({ regex, message, ...extra });

/** `@/lib/watchdog/<aggregate>/<file>`: the aggregate's inner files, reachable only through its index.ts. */
// rules/portable is the rules aggregate's second public face: the pure classifier and defaults the one-file runner bundles without drizzle
const aggregateInternals = ban(
  `^@/lib/watchdog/(${AGGREGATES})/(?!portable$).+`,
  'Import a domain aggregate through its folder (@/lib/watchdog/leases), never its inner files: index.ts is its public face.',
);
const database = ban('^@/db(/.*)?$|^(\\.\\./)+db(/.*)?$', 'Only the domain (lib/watchdog/) and the CLI reach the database; call a domain verb instead.');

/**
 * The import bans per layer, combined per folder (a later `no-restricted-imports` replaces an earlier one for
 * the same file, so each folder lists all of its bans here).
 */
const restricted = (...patterns) => ['error', { patterns }];

export default defineConfig(
  globalIgnores(['.next/**', '.data/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'e2e/screenshots/**', 'next-env.d.ts', '.tmp/**']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: {
        // Node and the browser, both: server code, scripts and client components share the tree.
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        queueMicrotask: 'readonly',
        structuredClone: 'readonly',
        fetch: 'readonly',
        Response: 'readonly',
        Request: 'readonly',
        Headers: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        performance: 'readonly',
        crypto: 'readonly',
        window: 'readonly',
        document: 'readonly',
        navigator: 'readonly',
        localStorage: 'readonly',
        HTMLElement: 'readonly',
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      'no-restricted-imports': restricted(aggregateInternals),
      // The API refuses U+0000 and other control characters on purpose (PostgreSQL stores no NUL): those
      // regular expressions name them.
      'no-control-regex': 'off',
    },
  },
  {
    // The console's pages and components: Next.js rules and the rules of hooks.
    files: ['app/**/*.{ts,tsx}', 'components/**/*.{ts,tsx}'],
    plugins: { '@next/next': nextPlugin, 'react-hooks': reactHooks },
    rules: {
      ...nextPlugin.configs.recommended.rules,
      ...nextPlugin.configs['core-web-vitals'].rules,
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    files: ['app/**/*.{ts,tsx}'],
    rules: { 'no-restricted-imports': restricted(aggregateInternals, database) },
  },
  {
    files: ['components/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': restricted(
        database,
        ban('^@/lib/watchdog(/.*)?$', 'Components know the domain only by the shapes of its answers: take the types from lib/schemas/ (components/lib/types.ts).'),
        ban('^@/lib/(http|ingest|auth/next-auth)(/.*)?$|^@/app(/.*)?$', 'Components talk to the console over HTTP (components/hooks/), never through its server modules.'),
      ),
    },
  },
  {
    files: ['lib/watchdog/**/*.ts'],
    rules: {
      'no-restricted-imports': restricted(
        ban('^(next|react|react-dom|next-auth)(/.*)?$', 'The domain knows no Next.js and no React: keep it callable from the CLI, the sweeper and tests.'),
        ban(
          '^@/(lib/http|lib/ingest|app|components)(/.*)?$|^(\\.\\./)+(http|ingest|app|components)(/.*)?$',
          'The domain never imports the HTTP layer, the ingest fast path, pages or components: they call the domain, not the reverse.',
        ),
        // Inside lib/watchdog/ an aggregate reaches another through ../<aggregate> (its index), never ../<aggregate>/<file>.
        ban(`^\\.\\./(${AGGREGATES})/.+|^\\./(${AGGREGATES})/.+`, 'Reach another aggregate through its folder (../leases, ./leases), never its inner files.'),
        aggregateInternals,
      ),
    },
  },
  {
    files: ['cli/runner/**/*.ts'],
    rules: {
      'no-restricted-imports': restricted(
        ban(
          '^(next|react|react-dom|drizzle-orm|@electric-sql/pglite|pg|@neondatabase/serverless|pino|prom-client)(/.*)?$',
          'cli/runner/ is bundled alone into one file that runs on worker machines: keep heavy packages out of it.',
        ),
        database,
        aggregateInternals,
      ),
    },
  },
  {
    // Tests send malformed bodies and reach into answers on purpose: `any` is their tool there.
    files: ['test/**/*.ts', 'e2e/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
