/**
 * Calendar feeds: one secret URL per user (`/ical/<token>.ics`). The token is 256 random bits;
 * only its SHA-256 is stored, so a database leak does not leak feeds, and rotating replaces the
 * row, so the old URL is dead at once. The ETag is a fingerprint of what the feed is made of
 * (count, sum of versions, last change and newest id of the tasks the user sees, the feed's own creation), computed
 * without building the feed: a calendar polling an unchanged feed costs one indexed query and a 304.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db, StoredReminder } from '../db/types.js';
import { NotFoundError } from '../errors.js';
import { listScope } from '../projects/access.js';
import { buildFeed, type FeedTask } from './feed.js';

/** the most events one feed carries (the soonest due first) */
export const MAX_FEED_EVENTS = 2000;
/** feeds kept built per process (LRU) */
const CACHED_FEEDS = 50;
/** bump when the feed's format changes, so clients' cached copies are replaced */
const FORMAT_VERSION = 1;

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export const TOKEN_PATTERN = '^[A-Za-z0-9_-]{43}$';

export class CalendarFeeds {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {}

  /** A new secret token for the user's feed; any previous one stops working. */
  async rotate(userId: string): Promise<{ token: string; created_at: string }> {
    const token = randomBytes(32).toString('base64url');
    const at = this.now();
    await this.db
      .insertInto('calendar_feeds')
      .values({ user_id: userId, token_hash: hash(token), created_at: at })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ token_hash: hash(token), created_at: at }))
      .execute();
    return { token, created_at: at.toISOString() };
  }

  async revoke(userId: string): Promise<void> {
    const r = await this.db.deleteFrom('calendar_feeds').where('user_id', '=', userId).executeTakeFirst();
    if (!r.numDeletedRows) throw new NotFoundError('no calendar feed');
  }

  /** The feed's owner and its ETag, or undefined for an unknown (or rotated) token. */
  async lookup(token: string): Promise<{ userId: string; etag: string } | undefined> {
    const feed = await this.db
      .selectFrom('calendar_feeds')
      .select(['user_id', 'created_at'])
      .where('token_hash', '=', hash(token))
      .executeTakeFirst();
    if (!feed) return undefined;
    // the tasks the user sees (DESIGN §8: shared projects' too); every write bumps a task's version
    // (creates/deletes and joining or leaving a project change the count and newest id), so the sum
    // of versions moves even when two writes share a millisecond of updated_at
    const scope = await listScope(this.db, feed.user_id);
    const r = await this.db
      .selectFrom('tasks')
      .select((eb) => [
        eb.fn.countAll<string>().as('n'),
        eb.fn.sum<string | null>('version').as('versions'),
        eb.fn.max('updated_at').as('changed'),
        eb.fn.max('id').as('newest'),
      ])
      .where(() => scope)
      .executeTakeFirstOrThrow();
    const changed = r.changed ? new Date(r.changed).getTime() : 0;
    const print = [FORMAT_VERSION, feed.created_at.getTime(), r.n, r.versions ?? 0, changed, r.newest ?? 0].join(':');
    return { userId: feed.user_id, etag: `"${createHash('sha256').update(print).digest('base64url').slice(0, 27)}"` };
  }

  /**
   * The feed for `etag` (from lookup): built once per change and kept (per process, a few recent
   * ones), since calendar apps poll often and some never send If-None-Match; a 2000-event feed
   * costs tens of milliseconds of CPU to build.
   */
  async body(userId: string, etag: string, host: string): Promise<string> {
    const key = `${userId}\n${etag}\n${host}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      this.cache.delete(key); // re-inserted: most recently used last
      this.cache.set(key, hit);
      return hit;
    }
    const text = await this.render(userId, host);
    this.cache.set(key, text);
    for (const old of this.cache.keys()) {
      if (this.cache.size <= CACHED_FEEDS) break;
      this.cache.delete(old);
    }
    return text;
  }

  private readonly cache = new Map<string, string>();

  async render(userId: string, host: string): Promise<string> {
    const scope = await listScope(this.db, userId);
    const rows = await this.db
      .selectFrom('tasks')
      .select([
        'id',
        'title',
        'description',
        'due_date',
        'timezone',
        'reminders',
        'recurrence',
        'recurrence_basis',
        'series_id',
        'series_start',
        'series_index',
        'updated_at',
      ])
      .where(() => scope)
      .where('completed', '=', false)
      .where('due_date', 'is not', null)
      .orderBy('due_date')
      .orderBy('id')
      .limit(MAX_FEED_EVENTS)
      .execute();
    const tasks = rows.map((r) => ({ ...r, reminders: r.reminders as StoredReminder[] }) as FeedTask);
    return buildFeed(tasks, { name: 'Taskstream', host });
  }
}
