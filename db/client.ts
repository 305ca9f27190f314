import path from 'node:path';
import fs from 'node:fs';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { SQL } from 'drizzle-orm';
import { config } from '@/lib/config';
import type { DatabaseKind } from '@/lib/schemas/enums';
import * as schema from './schema';

export type Schema = typeof schema;
/** A drizzle database or transaction over any of the three drivers. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type { DatabaseKind };

export interface Database {
  db: Db;
  kind: DatabaseKind;
  /** human description without credentials */
  describe: string;
  close(): Promise<void>;
  /**
   * LISTEN on `channel`: `onNotice` gets each payload NOTIFYed by any session (after its commit).
   * PostgreSQL: a dedicated connection outside the pool; `onLost` is called once when it drops (notices
   * may have been missed; listen again). PGlite: in-process. Resolves to the function that stops listening.
   */
  listen(channel: string, onNotice: (payload: string) => void, onLost?: (err: unknown) => void): Promise<() => Promise<void>>;
}

export interface OpenOptions {
  /** postgres://… ; empty → embedded PGlite */
  url?: string;
  /** PGlite data directory, or 'memory://' for an in-memory database */
  dataDir?: string;
  poolMax?: number;
}

// The paths below are runtime data (the data directory, the SQL migrations read at start), never modules:
// `turbopackIgnore` keeps Turbopack's file tracing from following them (without it, `next build` warns that
// the whole project was traced). See https://nextjs.org/docs/app/api-reference/turbopack#magic-comments.
export function migrationsDir(): string {
  return config().migrationsDir ?? path.join(/* turbopackIgnore: true */ process.cwd(), 'db', 'migrations');
}

export function dataDir(): string {
  return path.resolve(/* turbopackIgnore: true */ config().dataDir);
}

export function isNeonUrl(url: string): boolean {
  try {
    return /(^|\.)neon\.tech$/i.test(new URL(url).hostname);
  } catch {
    return false;
  }
}

export async function openDatabase(opts: OpenOptions = {}): Promise<Database> {
  const url = opts.url ?? config().databaseUrl;
  if (!url) return openPglite(opts.dataDir ?? path.join(/* turbopackIgnore: true */ dataDir(), 'pglite'));
  if (isNeonUrl(url)) return openNeon(url, opts.poolMax);
  return openPg(url, opts.poolMax);
}

async function openPglite(dir: string): Promise<Database> {
  const pglite = await import('@electric-sql/pglite');
  const { PGlite } = pglite;
  const { drizzle } = await import('drizzle-orm/pglite');
  // pg_trgm (15 kB, PGlite's contrib build): the jobs search's trigram indexes (0014_console_reads_at_scale);
  // a database that has them needs it loaded at every open
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const memory = dir === 'memory://';
  if (!memory) fs.mkdirSync(/* turbopackIgnore: true */ dir, { recursive: true });
  const client = new PGlite({ ...(memory ? {} : { dataDir: dir }), extensions: { pg_trgm } });
  await client.waitReady;
  const db = drizzle(client, { schema }) as unknown as Db;
  pgliteNamedRunners.set(db, namedOnPglite(client, pglite));
  return {
    db,
    kind: 'pglite',
    describe: memory ? 'pglite (memory)' : `pglite (${dir})`,
    close: async () => {
      await client.close();
    },
    listen: (channel, onNotice) => client.listen(channel, onNotice),
  };
}

interface NoticeClient {
  connect(): Promise<unknown>;
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'notification', fn: (n: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error' | 'end', fn: (err?: unknown) => void): unknown;
}

/** LISTEN on a connection of its own (a pooled one would carry the LISTEN back into the pool). */
async function listenOn(client: NoticeClient, channel: string, onNotice: (payload: string) => void, onLost?: (err: unknown) => void): Promise<() => Promise<void>> {
  let stopped = false;
  let lost = false;
  const lose = (err: unknown) => {
    if (stopped || lost) return;
    lost = true;
    client.end().catch(() => {});
    onLost?.(err);
  };
  client.on('notification', (n) => {
    if (n.channel === channel) onNotice(n.payload ?? '');
  });
  client.on('error', lose);
  client.on('end', () => lose(new Error('listening connection ended')));
  await client.connect();
  await client.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
  return async () => {
    stopped = true;
    await client.end().catch(() => {});
  };
}

async function openPg(url: string, poolMax?: number): Promise<Database> {
  const pg = (await import('pg')).default;
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax ?? config().pgPoolMax,
  });
  pool.on('error', () => {
    /* an idle client lost its connection; the pool replaces it */
  });
  const db = drizzle(pool, { schema }) as unknown as Db;
  // the named one-statement paths (executeNamed) run on their own sessions, which plan each of them once
  const named = new pg.Pool({ connectionString: url, max: poolMax ?? config().pgPoolMax, options: NAMED_STATEMENT_OPTIONS });
  named.on('error', () => {});
  namedStatementPools.set(db, named);
  return {
    db,
    kind: 'postgres',
    describe: `postgres (${safeHost(url)})`,
    close: () => Promise.all([pool.end(), named.end()]).then(() => undefined),
    listen: (channel, onNotice, onLost) => listenOn(new pg.Client({ connectionString: url }) as unknown as NoticeClient, channel, onNotice, onLost),
  };
}

async function openNeon(url: string, poolMax?: number): Promise<Database> {
  const neon = await import('@neondatabase/serverless');
  const { drizzle } = await import('drizzle-orm/neon-serverless');
  const ws = (await import('ws')).default;
  neon.neonConfig.webSocketConstructor = ws;
  const pool = new neon.Pool({ connectionString: url, max: poolMax ?? 10 });
  const db = drizzle(pool, { schema }) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    describe: `neon (${safeHost(url)})`,
    close: () => pool.end(),
    listen: (channel, onNotice, onLost) => listenOn(new neon.Client({ connectionString: url }) as unknown as NoticeClient, channel, onNotice, onLost),
  };
}

function safeHost(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'unparseable url';
  }
}

/** Applies the committed drizzle-kit migrations; serialized across instances by an advisory lock. */
export async function migrateDatabase(database: Database): Promise<void> {
  const folder = migrationsDir();
  const { sql } = await import('drizzle-orm');
  if (database.kind === 'pglite') {
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    await migrate(database.db as never, { migrationsFolder: folder });
    return;
  }
  // Hold a transaction-scoped advisory lock while migrating so N instances starting at once
  // apply each migration exactly once.
  const { readMigrationFiles } = await import('drizzle-orm/migrator');
  const migrations = readMigrationFiles({ migrationsFolder: folder });
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(7265001)`);
    await tx.execute(sql`create schema if not exists "drizzle"`);
    await tx.execute(sql`create table if not exists "drizzle"."__drizzle_migrations" (id serial primary key, hash text not null, created_at bigint)`);
    const done = await tx.execute(sql`select hash, created_at from "drizzle"."__drizzle_migrations"`);
    const applied = new Set(rowsOf<{ hash: string }>(done).map((r) => r.hash));
    for (const m of migrations) {
      if (applied.has(m.hash)) continue;
      for (const stmt of m.sql) {
        if (stmt.trim()) await tx.execute(sql.raw(stmt));
      }
      await tx.execute(sql`insert into "drizzle"."__drizzle_migrations" (hash, created_at) values (${m.hash}, ${m.folderMillis})`);
    }
  });
}

/** The rows of a raw `db.execute(sql…)` result, the same shape on all three drivers. */
export function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/**
 * The sessions the named statements of a `pg` database run on: `plan_cache_mode = force_generic_plan`.
 * PostgreSQL otherwise re-plans a prepared statement with its values at every call while it judges a
 * custom plan cheaper — for the lifecycle's one-statement paths (a lease, a helper event, a check, a
 * complete: every one a lookup by job id or primary key, each checked with EXPLAIN under a generic plan,
 * test/named-statements.test.ts) that was every call, and planning was the largest share of their cost.
 * Only these statements run there; every other query keeps custom plans on the main pool.
 */
export const NAMED_STATEMENT_OPTIONS = '-c plan_cache_mode=force_generic_plan';
/** A `pg` pool or client as executeNamed calls it: a named statement with its values. */
type NamedQuerier = { query: (config: { name: string; text: string; values: unknown[] }) => Promise<unknown> };
const namedStatementPools = new WeakMap<object, NamedQuerier>();

/**
 * Runs a statement whose text never changes as a named prepared statement on a `pg` pool (parsed and
 * planned once per connection instead of once per call); on other drivers, or inside a transaction, as
 * a plain statement. The name must always go with the same text.
 */
export async function executeNamed(db: Db, name: string, query: SQL): Promise<unknown> {
  const client = (db as unknown as { $client?: { query?: unknown; totalCount?: unknown } }).$client;
  const dialect = (db as unknown as { dialect?: { sqlToQuery?: (q: SQL) => { sql: string; params: unknown[] } } }).dialect;
  const onPglite = pgliteNamedRunners.get(db);
  if (onPglite && dialect?.sqlToQuery) {
    const { sql: text, params } = dialect.sqlToQuery(query);
    return onPglite(name, text, params);
  }
  if (client && typeof client.query === 'function' && typeof client.totalCount === 'number' && dialect?.sqlToQuery) {
    const { sql: text, params } = dialect.sqlToQuery(query);
    const target = namedStatementPools.get(db) ?? (client as NamedQuerier);
    return target.query({ name, text, values: params });
  }
  return db.execute(query);
}

type PgliteModule = typeof import('@electric-sql/pglite');
type PgliteClient = InstanceType<PgliteModule['PGlite']>;
type NamedRunner = (name: string, text: string, values: unknown[]) => Promise<unknown>;

/** The embedded databases opened here (openPglite) → how each runs a named statement. */
const pgliteNamedRunners = new WeakMap<object, NamedRunner>();

/**
 * Named statements on embedded PGlite. Its `query` sends every statement unnamed, so PostgreSQL parses
 * and plans it at every call; for the lifecycle's one-statement paths that cost more than running them
 * (a group of 8 healthy events: 3.5 ms a statement as `query`, 1.4 ms named; docs/BENCHMARKS.md). Here a
 * statement is parsed once per database under its name (its parameter types read back with Describe, to
 * serialise values as `query` does), then only bound and executed; PostgreSQL settles on a generic plan
 * after five custom ones, as it does for any prepared statement. It runs under the same two locks as
 * `query` — no other statement, and no transaction another caller holds, in between — ends with Sync
 * even when it fails (the session is ready for the next one), and is synced to storage after, as
 * `query` is. The result has `query`'s shape ({ rows, fields, affectedRows }).
 */
function namedOnPglite(client: PgliteClient, { protocol, parse }: PgliteModule): NamedRunner {
  const { serialize } = protocol;
  const prepared = new Map<string, { text: string; types: number[] }>();
  type Messages = Parameters<typeof parse.parseResults>[0];
  const send = (message: Uint8Array): Promise<Messages> => client.execProtocolStream(message, { syncToFs: false });
  return (name, text, values) =>
    client._runExclusiveTransaction(() =>
      client.runExclusive(async () => {
        const messages: Messages = [];
        try {
          let statement = prepared.get(name);
          if (statement && statement.text !== text) throw new Error(`named statement ${name} was prepared with another text`);
          if (!statement) {
            await send(serialize.parse({ name, text }));
            statement = { text, types: parse.parseDescribeStatementResults(await send(serialize.describe({ type: 'S', name }))) };
            prepared.set(name, statement);
          }
          const { types } = statement;
          const bound = values.map((v, i) => (v == null ? null : (client.serializers[types[i]] ?? String)(v)));
          messages.push(...(await send(serialize.bind({ statement: name, values: bound }))));
          messages.push(...(await send(serialize.describe({ type: 'P' }))));
          messages.push(...(await send(serialize.execute({}))));
        } finally {
          messages.push(...(await send(serialize.sync())));
        }
        if (!client.isInTransaction()) await client.syncToFs();
        return parse.parseResults(messages, client.parsers)[0];
      }),
    );
}
