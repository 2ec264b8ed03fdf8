/**
 * Opens the database: always a PostgreSQL server through `pg` — the one at DATABASE_URL, or the
 * embedded one this process (or its cluster primary) started (src/db/embedded-postgres.ts).
 */
import { Kysely, PostgresDialect } from 'kysely';
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Database, Db } from './types.js';

export interface DatabaseHandle {
  db: Db;
  /** a pg connection string for dedicated LISTEN connections */
  url: string;
  close(): Promise<void>;
}

// timestamptz → Date, int8 (counts, bigint ids) → number: our counts stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export async function openDatabase(opts: {
  url: string;
  poolSize?: number;
  /** ms; 0 = none (migrations). A runaway query is cancelled instead of holding a connection. */
  statementTimeoutMs?: number;
  /** an idle pooled connection failed (server restarted, connection terminated); the pool replaces it */
  onIdleError?: (err: Error) => void;
}): Promise<DatabaseHandle> {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
  });
  // A client that loses its server emits 'error'. pg-pool re-emits it on the pool for idle
  // clients, and nothing listens to a checked-out client between queries (a transaction waiting
  // on the app): unhandled, either killed the process — a PostgreSQL restart crashed every app
  // process instead of a few 503s. Every client gets a listener (reported once, here); the pool's
  // re-emission is then only acknowledged. A query on a broken client fails as usual and the
  // pool drops the client when it is released.
  pool.on('connect', (client) => {
    client.on('error', (err) => opts.onIdleError?.(err));
    prepareRepeatedStatements(client);
  });
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, url: opts.url, close: () => db.destroy() };
}

/**
 * Appended to a statement's text (`sql.raw(PLAN_PER_EXECUTION)`), it is planned for its own
 * parameter values at each execution, never prepared: PostgreSQL switches a prepared statement to a
 * generic plan after five executions when that plan looks no dearer, and for a list page it looks
 * cheap (one row per user, by the average) while for a 10k-task account it sorts every task (83 ms
 * instead of 0.9).
 */
export const PLAN_PER_EXECUTION = ' /* planned per execution */';

/** Distinct statements one connection keeps prepared; later new texts run unprepared. */
export const PREPARED_PER_CONNECTION = 256;

/**
 * Runs every parameterised statement as a named prepared statement on its connection, so
 * PostgreSQL parses and plans it once per connection instead of on every execution (planning was
 * 0.7 ms of a 1.2 ms list page). The name is a hash of the text, so equal texts share it and
 * different texts never collide; statements without parameters (BEGIN, COMMIT, SAVEPOINT) and
 * those marked PLAN_PER_EXECUTION keep the simple protocol. The per-connection cap bounds the
 * server-side memory when a query's text varies (e.g. an IN list of any length).
 */
function prepareRepeatedStatements(client: pg.PoolClient): void {
  // text → statement name, so a repeated statement is hashed once per connection, not per execution
  const names = new Map<string, string>();
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (config: unknown, values?: unknown, callback?: unknown) => {
    if (typeof config !== 'string' || !Array.isArray(values) || values.length === 0 || config.endsWith(PLAN_PER_EXECUTION))
      return query(config, values, callback);
    let name = names.get(config);
    if (name === undefined) {
      if (names.size >= PREPARED_PER_CONNECTION) return query(config, values, callback);
      name = createHash('sha1').update(config).digest('base64url');
      names.set(config, name);
    }
    return query({ name, text: config, values }, callback);
  };
}
