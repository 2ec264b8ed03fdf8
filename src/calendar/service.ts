/**
 * Calendar feeds: one secret URL per user (`/ical/<token>.ics`). The token is 256 random bits;
 * only its SHA-256 is stored, so a database leak does not leak feeds, and rotating replaces the
 * row, so the old URL is dead at once. The ETag is a fingerprint of what the feed is made of
 * (count, last change and newest id of the user's tasks, the feed's own creation), computed
 * without building the feed: a calendar polling an unchanged feed costs one indexed query and a 304.
 */
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db, StoredReminder } from '../db/types.js';
import { NotFoundError } from '../errors.js';
import { buildFeed, type FeedTask } from './feed.js';

/** the most events one feed carries (the soonest due first) */
export const MAX_FEED_EVENTS = 2000;
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
    const { rows } = await sql<{ user_id: string; created_at: Date; n: string; changed: Date | null; newest: number | null }>`
      SELECT f.user_id, f.created_at, t.n, t.changed, t.newest
      FROM calendar_feeds f
      CROSS JOIN LATERAL (
        SELECT count(*) AS n, max(updated_at) AS changed, max(id) AS newest FROM tasks WHERE user_id = f.user_id
      ) t
      WHERE f.token_hash = ${hash(token)}`.execute(this.db);
    const r = rows[0];
    if (!r) return undefined;
    const print = [FORMAT_VERSION, r.created_at.getTime(), r.n, r.changed ? new Date(r.changed).getTime() : 0, r.newest ?? 0].join(':');
    return { userId: r.user_id, etag: `"${createHash('sha256').update(print).digest('base64url').slice(0, 27)}"` };
  }

  async render(userId: string, host: string): Promise<string> {
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
      .where('user_id', '=', userId)
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
