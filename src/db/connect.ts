/**
 * Opens the database: a PostgreSQL server when DATABASE_URL is set, else embedded PGlite in DATA_DIR.
 * Both speak the same SQL, so everything above this file is driver-agnostic.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kysely, PGliteDialect, PostgresDialect, type KyselyPlugin } from 'kysely';
import pg from 'pg';
import type { Database, Db } from './types.js';

export type Driver = 'pglite' | 'pg';

export interface DatabaseHandle {
  db: Db;
  driver: Driver;
  /** a pg connection string for a dedicated LISTEN connection (server mode only) */
  url: string | undefined;
  close(): Promise<void>;
}

/**
 * PGlite executes a query synchronously in this thread and resolves it in a microtask, and the
 * single connection passes from one waiting query to the next in microtasks too: under
 * concurrency the whole queue of queries ran as one macrotask, and the event loop read no socket
 * for seconds (64 connections: 1-4 s stalls, p99 of several seconds for requests that were
 * merely waiting to be read). Yielding to the event loop after each query lets I/O in between.
 */
const yieldAfterEachQuery: KyselyPlugin = {
  transformQuery: (args) => args.node,
  transformResult: async (args) => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    return args.result;
  },
};

/**
 * PGlite runs PostgreSQL inside this process's memory, so its buffers count in our RSS, and
 * with fsync already off (PGlite's default) full-page images in the WAL buy nothing.
 *  - shared_buffers 32MB (default 128MB): the pages are also in the OS page cache, which is not
 *    our RSS; at 100k tasks the default grew the process by ~100 MB (BENCHMARKS.md).
 *  - full_page_writes off: they protect against torn pages after a power loss, which fsync=off
 *    does not survive anyway; they cost WAL volume and CPU after every checkpoint.
 */
const EMBEDDED_SETTINGS = ['-c', 'shared_buffers=32MB', '-c', 'full_page_writes=off'];

// timestamptz → Date, int8 (counts, bigint ids) → number: our counts stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export async function openDatabase(opts: {
  databaseUrl?: string | undefined;
  dataDir: string;
  poolSize?: number;
  /** an idle pooled connection failed (server restarted, connection terminated); the pool replaces it */
  onIdleError?: (err: Error) => void;
}): Promise<DatabaseHandle> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 });
    // A client that loses its server emits 'error'. pg-pool re-emits it on the pool for idle
    // clients, and nothing listens to a checked-out client between queries (a transaction waiting
    // on the app): unhandled, either killed the process — a PostgreSQL restart crashed every app
    // process instead of a few 503s. Every client gets a listener (reported once, here); the pool's
    // re-emission is then only acknowledged. A query on a broken client fails as usual and the
    // pool drops the client when it is released.
    pool.on('connect', (client) => client.on('error', (err) => opts.onIdleError?.(err)));
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, driver: 'pg', url: opts.databaseUrl, close: () => db.destroy() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const dir = path.resolve(opts.dataDir, 'pgdata');
  mkdirSync(dir, { recursive: true });
  const pglite = await PGlite.create(dir, { extensions: { pg_trgm }, startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS] });
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }), plugins: [yieldAfterEachQuery] });
  return { db, driver: 'pglite', url: undefined, close: () => db.destroy() };
}
