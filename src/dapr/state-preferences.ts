/** Preferences kept in Dapr's `statestore` component (distributed mode): shared by every replica. */
import { withDefaults, type Preferences, type PreferencesStore } from '../preferences/store.js';
import type { DaprClient } from './client.js';

export class DaprStatePreferencesStore implements PreferencesStore {
  constructor(
    private readonly client: DaprClient,
    private readonly store: string,
  ) {}

  private key = (userId: string) => `preferences:${userId}`;

  async get(userId: string): Promise<Preferences> {
    return withDefaults((await this.client.getState<Partial<Preferences>>(this.store, this.key(userId))) ?? undefined);
  }

  async set(userId: string, prefs: Preferences): Promise<Preferences> {
    await this.client.saveState(this.store, [{ key: this.key(userId), value: prefs }]);
    return prefs;
  }
}
