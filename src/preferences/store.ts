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

/** Entries the optional cache keeps (the oldest go first). */
const CACHE_MAX = 10_000;

export class DbPreferencesStore implements PreferencesStore {
  private readonly cache: Map<string, Preferences> | undefined;
  private generation = 0;

  /**
   * `cache`: only when this process is the database's only writer (embedded PGlite, which no
   * other process can open): every create reads the user's default zone, and `set` below is the
   * only way it changes. With a shared PostgreSQL server another replica may change it, so no cache.
   */
  constructor(
    private readonly db: Db,
    opts: { cache?: boolean } = {},
  ) {
    this.cache = opts.cache ? new Map() : undefined;
  }

  async get(userId: string): Promise<Preferences> {
    const hit = this.cache?.get(userId);
    if (hit) return hit;
    const generation = this.generation;
    const row = await this.db.selectFrom('users').select('timezone').where('id', '=', userId).executeTakeFirst();
    const prefs = { timezone: row?.timezone ?? DEFAULT_PREFERENCES.timezone };
    // not if a set() ran meanwhile: this read may predate it
    if (this.cache && row && generation === this.generation) this.remember(userId, prefs);
    return prefs;
  }

  async set(userId: string, prefs: Preferences): Promise<Preferences> {
    this.generation++;
    this.cache?.delete(userId);
    try {
      await this.db.updateTable('users').set({ timezone: prefs.timezone }).where('id', '=', userId).execute();
    } finally {
      this.generation++;
      this.cache?.delete(userId);
    }
    return prefs;
  }

  private remember(userId: string, prefs: Preferences): void {
    const cache = this.cache!;
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(userId, prefs);
  }
}
