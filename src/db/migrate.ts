/** Versioned migrations, applied at start (Kysely's Migrator keeps the ledger and a lock). */
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import type { Db } from './types.js';
import type { Logger } from '../logger.js';
import { openDatabase } from './connect.js';
import * as m0001 from './migrations/0001_init.js';
import * as m0002 from './migrations/0002_consumed_events.js';
import * as m0003 from './migrations/0003_drop_global_text_index.js';
import * as m0004 from './migrations/0004_user_text_search_index.js';
import * as m0005 from './migrations/0005_reminder_snooze.js';
import * as m0005b from './migrations/0005_reminder_snooze_task_index.js';
import * as m0006 from './migrations/0006_projects.js';
import * as m0007 from './migrations/0007_access_tokens.js';
import * as m0008 from './migrations/0008_webhooks_calendar.js';
import * as m0009 from './migrations/0009_sessions.js';
import * as m0010 from './migrations/0010_sharing.js';
import * as m0011 from './migrations/0011_trace_context.js';
import * as m0012 from './migrations/0012_deleted_tasks.js';
import * as m0013 from './migrations/0013_calendar_feed_projects.js';
import * as m0014 from './migrations/0014_task_count_index.js';
import * as m0016 from './migrations/0016_rendered_tasks.js';
import * as m0017 from './migrations/0017_task_statistics.js';

const MIGRATIONS: Record<string, Migration> = {
  '0001_init': m0001,
  '0002_consumed_events': m0002,
  '0003_drop_global_text_index': m0003,
  '0004_user_text_search_index': m0004,
  '0005_reminder_snooze': m0005,
  '0005_reminder_snooze_task_index': m0005b,
  '0006_projects': m0006,
  '0007_access_tokens': m0007,
  '0008_webhooks_calendar': m0008,
  '0009_sessions': m0009,
  '0010_sharing': m0010,
  '0011_trace_context': m0011,
  '0012_deleted_tasks': m0012,
  '0013_calendar_feed_projects': m0013,
  '0014_task_count_index': m0014,
  '0016_rendered_tasks': m0016,
  '0017_task_statistics': m0017,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/** The migrations in the order they apply (tests migrate a database up to one of them). */
export const MIGRATION_NAMES = Object.keys(MIGRATIONS).sort();

/**
 * Features reserve their migration number when they start and land in any order (0008 landed
 * before 0006): a database that already ran a later-numbered migration still runs an earlier one
 * it lacks. Each migration therefore touches only its own feature's tables and columns.
 */
const ORDER = { allowUnorderedMigrations: true };

export async function migrateToLatest(db: Db): Promise<string[]> {
  const { error, results } = await new Migrator({ db, provider, ...ORDER }).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Up (or down) to the named migration: for tests of a migration on data written by the schema before it. */
export async function migrateTo(db: Db, name: string): Promise<void> {
  const { error } = await new Migrator({ db, provider, ...ORDER }).migrateTo(name);
  if (error) throw error instanceof Error ? error : new Error(String(error));
}

/** Migrates the database at `url` on a connection of its own. */
export async function migrate(url: string, log: Logger): Promise<void> {
  const handle = await openDatabase({ url, poolSize: 1 });
  try {
    const applied = await migrateToLatest(handle.db);
    if (applied.length) log.info({ applied }, 'migrations applied');
  } finally {
    await handle.close();
  }
}
