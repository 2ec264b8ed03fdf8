/**
 * Per-user preferences (the default time zone of new tasks). A port with two adapters:
 * the database (embedded mode) and Dapr's state store (distributed mode, `statestore` component).
 */
import type { Db } from '../db/types.js';

export interface Preferences {
  timezone: string;
}

export const DEFAULT_PREFERENCES: Preferences = { timezone: 'UTC' };

export interface PreferencesStore {
  get(userId: string): Promise<Preferences>;
  set(userId: string, prefs: Preferences): Promise<Preferences>;
}

export class DbPreferencesStore implements PreferencesStore {
  constructor(private readonly db: Db) {}

  async get(userId: string): Promise<Preferences> {
    const row = await this.db.selectFrom('users').select('timezone').where('id', '=', userId).executeTakeFirst();
    return { timezone: row?.timezone ?? DEFAULT_PREFERENCES.timezone };
  }

  async set(userId: string, prefs: Preferences): Promise<Preferences> {
    await this.db.updateTable('users').set({ timezone: prefs.timezone }).where('id', '=', userId).execute();
    return prefs;
  }
}
