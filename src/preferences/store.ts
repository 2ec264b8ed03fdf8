/**
 * Per-user preferences: the default time zone of new tasks and of the Today/Upcoming views, and
 * the first day of the week. A port with two adapters: the database (embedded mode)
 * and Dapr's state store (distributed mode, `statestore` component). The display name is the
 * account's (`users.name`, set at registration) in both modes: `readName`/`writeName`.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../db/types.js';

export const WEEK_STARTS = ['monday', 'sunday'] as const;
export type WeekStart = (typeof WEEK_STARTS)[number];

export interface Preferences {
  timezone: string;
  week_start: WeekStart;
}

export const DEFAULT_PREFERENCES: Preferences = { timezone: 'UTC', week_start: 'monday' };

export interface PreferencesStore {
  get(userId: string): Promise<Preferences>;
  set(userId: string, prefs: Preferences): Promise<Preferences>;
  /**
   * The user's time zone as an SQL expression, when the store is the database: a statement that
   * needs it reads it itself instead of a look-up before it (a create's INSERT).
   */
  zoneInSql?(userId: string): RawBuilder<string>;
}

const weekStart = (raw: string | null | undefined): WeekStart => (raw === 'sunday' ? 'sunday' : 'monday');

export class DbPreferencesStore implements PreferencesStore {
  constructor(private readonly db: Db) {}

  async get(userId: string): Promise<Preferences> {
    const row = await this.db.selectFrom('users').select(['timezone', 'week_start']).where('id', '=', userId).executeTakeFirst();
    return { timezone: row?.timezone ?? DEFAULT_PREFERENCES.timezone, week_start: weekStart(row?.week_start) };
  }

  zoneInSql(userId: string): RawBuilder<string> {
    return sql<string>`coalesce((SELECT timezone FROM users WHERE id = ${userId}), ${DEFAULT_PREFERENCES.timezone})`;
  }

  async set(userId: string, prefs: Preferences): Promise<Preferences> {
    await this.db.updateTable('users').set({ timezone: prefs.timezone, week_start: prefs.week_start }).where('id', '=', userId).execute();
    return prefs;
  }
}

/** Preferences stored before a field existed lack it: the default fills it in. */
export const withDefaults = (stored: Partial<Preferences> | undefined): Preferences => ({
  timezone: stored?.timezone ?? DEFAULT_PREFERENCES.timezone,
  week_start: weekStart(stored?.week_start),
});

export async function readName(db: Db, userId: string): Promise<string | null> {
  const row = await db.selectFrom('users').select('name').where('id', '=', userId).executeTakeFirst();
  return row?.name ?? null;
}

export async function writeName(db: Db, userId: string, name: string | null): Promise<void> {
  await db.updateTable('users').set({ name }).where('id', '=', userId).execute();
}
