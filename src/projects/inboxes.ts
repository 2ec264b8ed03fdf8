/**
 * Each user's Inbox id, created on first need: users of an external identity provider never
 * register, so the Inbox cannot rely on registration alone. An Inbox can be neither deleted nor
 * replaced, so its id never changes and each process remembers it once read.
 */
import type { Db } from '../db/types.js';
import { ensureInbox } from './repository.js';

export class Inboxes {
  private readonly ids = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
    /** an Inbox was created: its event is in the outbox */
    private readonly changed: () => void,
  ) {}

  async idOf(userId: string): Promise<number> {
    const known = this.ids.get(userId);
    if (known !== undefined) return known;
    const { row, created } = await this.db.transaction().execute((tx) => ensureInbox(tx, userId, this.now()));
    if (created) this.changed();
    if (this.ids.size > 100_000) this.ids.clear(); // a cache, not a registry
    this.ids.set(userId, row.id);
    return row.id;
  }
}
