/** Preferences kept in Dapr's `statestore` component (distributed mode): shared by every replica. */
import { DEFAULT_PREFERENCES, type Preferences, type PreferencesStore } from '../preferences/store.js';
import type { DaprClient } from './client.js';

export class DaprStatePreferencesStore implements PreferencesStore {
  constructor(
    private readonly client: DaprClient,
    private readonly store: string,
  ) {}

  private key = (userId: string) => `preferences:${userId}`;

  async get(userId: string): Promise<Preferences> {
    return (await this.client.getState<Preferences>(this.store, this.key(userId))) ?? DEFAULT_PREFERENCES;
  }

  async set(userId: string, prefs: Preferences): Promise<Preferences> {
    await this.client.saveState(this.store, [{ key: this.key(userId), value: prefs }]);
    return prefs;
  }
}
