/**
 * Calendar feeds: secret URLs (`/ical/<token>.ics`), one per user for every task they see and one
 * per user and project for that project's tasks (any member may have one). The token is 256 bits
 * derived from a random seed: HMAC(key, seed), the key derived from AUTH_SECRET. Only the token's
 * SHA-256 and the seed are stored, so a database leak does not leak feeds, while the owner can be
 * shown the URL again (the Integrations screen). Rotating replaces the row, so the old URL is dead
 * at once. The ETag is a fingerprint of what the feed is made of (count, sum of versions, last
 * change and newest id of its tasks, the feed's own creation, the project's version), computed
 * without building the feed: a calendar polling an unchanged feed costs one indexed query and a 304.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Db, StoredReminder } from '../db/types.js';
import { NotFoundError } from '../errors.js';
import { accessOf, listScope, roleIn } from '../projects/access.js';
import { buildFeed, type FeedTask } from './feed.js';

/** the most events one feed carries (the soonest due first) */
export const MAX_FEED_EVENTS = 2000;
/** feeds kept built per process (LRU) */
const CACHED_FEEDS = 50;
/** bump when the feed's format changes, so clients' cached copies are replaced */
const FORMAT_VERSION = 1;

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export const TOKEN_PATTERN = '^[A-Za-z0-9_-]{43}$';

/** A feed as its owner sees it: `token` is null when it cannot be shown again (made before 0013, or AUTH_SECRET changed since). */
export interface FeedInfo {
  project_id: number | null;
  token: string | null;
  created_at: string;
}

/** A feed found by its token, ready to be served. */
export interface OpenFeed {
  userId: string;
  projectId: number | null;
  /** the calendar's name */
  name: string;
  etag: string;
}

interface FeedRow {
  project_id: number | null;
  token_hash: string;
  url_seed: string | null;
  created_at: Date;
}

export class CalendarFeeds {
  private readonly urlKey: Buffer;

  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
    /** AUTH_SECRET: the URLs' tokens are derived from it */
    secret: string,
  ) {
    this.urlKey = createHmac('sha256', secret).update('taskstream calendar feed URL').digest();
  }

  /** A new secret URL for the user's feed (`projectId` null) or a project's; any previous one stops working. */
  async rotate(userId: string, projectId: number | null = null): Promise<FeedInfo> {
    if (projectId !== null) await this.mustSee(userId, projectId);
    const seed = randomBytes(32).toString('base64url');
    const token = this.tokenOf(seed);
    const at = this.now();
    const changes = { token_hash: hash(token), url_seed: seed, created_at: at };
    await this.db
      .insertInto('calendar_feeds')
      .values({ user_id: userId, project_id: projectId, ...changes })
      .onConflict((oc) =>
        (projectId === null
          ? oc.column('user_id').where('project_id', 'is', null)
          : oc.columns(['user_id', 'project_id']).where('project_id', 'is not', null)
        ).doUpdateSet(changes),
      )
      .execute();
    return { project_id: projectId, token, created_at: at.toISOString() };
  }

  async revoke(userId: string, projectId: number | null = null): Promise<void> {
    if (projectId !== null) await this.mustSee(userId, projectId);
    const r = await this.db
      .deleteFrom('calendar_feeds')
      .where('user_id', '=', userId)
      .where('project_id', projectId === null ? 'is' : '=', projectId)
      .executeTakeFirst();
    if (!r.numDeletedRows) throw new NotFoundError('no calendar feed');
  }

  /** The user's feed (`projectId` null) or their feed of a project; 404 when there is none. */
  async get(userId: string, projectId: number | null = null): Promise<FeedInfo> {
    if (projectId !== null) await this.mustSee(userId, projectId);
    const row = await this.db
      .selectFrom('calendar_feeds')
      .select(['project_id', 'token_hash', 'url_seed', 'created_at'])
      .where('user_id', '=', userId)
      .where('project_id', projectId === null ? 'is' : '=', projectId)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('no calendar feed');
    return this.info(row);
  }

  /** Every feed of the user: theirs first, then those of the projects they still see. */
  async list(userId: string): Promise<FeedInfo[]> {
    const rows = await this.db
      .selectFrom('calendar_feeds')
      .select(['project_id', 'token_hash', 'url_seed', 'created_at'])
      .where('user_id', '=', userId)
      .where((eb) =>
        eb.or([
          eb('project_id', 'is', null),
          eb(
            'project_id',
            'in',
            eb
              .selectFrom('projects')
              .select('id')
              .where(() => accessOf(userId).projects),
          ),
        ]),
      )
      .orderBy(sql`project_id NULLS FIRST`)
      .execute();
    return rows.map((r) => this.info(r));
  }

  /**
   * The feed of a token and its ETag, or undefined for an unknown (or rotated) token. A project
   * feed whose user no longer sees the project (removed, or left) ends for good: its row goes.
   */
  async lookup(token: string): Promise<OpenFeed | undefined> {
    const feed = await this.db
      .selectFrom('calendar_feeds')
      .select(['id', 'user_id', 'project_id', 'created_at'])
      .where('token_hash', '=', hash(token))
      .executeTakeFirst();
    if (!feed) return undefined;
    let name = 'Taskstream';
    let projectVersion = 0;
    if (feed.project_id !== null) {
      const project = await this.db
        .selectFrom('projects')
        .select(['name', 'version'])
        .where('id', '=', feed.project_id)
        .where(() => accessOf(feed.user_id).projects)
        .executeTakeFirst();
      if (!project) {
        await this.db.deleteFrom('calendar_feeds').where('id', '=', feed.id).execute();
        return undefined;
      }
      name = `Taskstream: ${project.name}`;
      projectVersion = project.version;
    }
    const open = { userId: feed.user_id, projectId: feed.project_id, name };
    // every write bumps a task's version (creates/deletes and joining or leaving a project change
    // the count and newest id), so the sum of versions moves even when two writes share a
    // millisecond of updated_at; a renamed project changes the calendar's name
    const scope = await this.scopeOf(open);
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
    const print = [
      FORMAT_VERSION,
      feed.project_id ?? '',
      projectVersion,
      feed.created_at.getTime(),
      r.n,
      r.versions ?? 0,
      changed,
      r.newest ?? 0,
    ].join(':');
    return { ...open, etag: `"${createHash('sha256').update(print).digest('base64url').slice(0, 27)}"` };
  }

  /**
   * The feed's text for its ETag (from lookup): built once per change and kept (per process, a few
   * recent ones), since calendar apps poll often and some never send If-None-Match; a 2000-event
   * feed costs tens of milliseconds of CPU to build.
   */
  async body(feed: OpenFeed, host: string): Promise<string> {
    const key = `${feed.userId}\n${feed.projectId ?? ''}\n${feed.etag}\n${host}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      this.cache.delete(key); // re-inserted: most recently used last
      this.cache.set(key, hit);
      return hit;
    }
    const text = await this.render(feed, host);
    this.cache.set(key, text);
    for (const old of this.cache.keys()) {
      if (this.cache.size <= CACHED_FEEDS) break;
      this.cache.delete(old);
    }
    return text;
  }

  private readonly cache = new Map<string, string>();

  async render(feed: Omit<OpenFeed, 'etag'>, host: string): Promise<string> {
    const scope = await this.scopeOf(feed);
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
    return buildFeed(tasks, { name: feed.name, host });
  }

  /** the tasks of a feed: the user's (shared projects' too), or one project's (checked visible by lookup) */
  private async scopeOf(feed: Pick<OpenFeed, 'userId' | 'projectId'>): Promise<Expression<SqlBool>> {
    return feed.projectId === null ? listScope(this.db, feed.userId) : sql<SqlBool>`tasks.project_id = ${feed.projectId}`;
  }

  private tokenOf(seed: string): string {
    return createHmac('sha256', this.urlKey).update(seed).digest('base64url');
  }

  private info(row: FeedRow): FeedInfo {
    // a token derived under another AUTH_SECRET is not this feed's: its URL cannot be shown (it still works until rotated)
    const token = row.url_seed === null ? null : this.tokenOf(row.url_seed);
    return {
      project_id: row.project_id,
      token: token !== null && hash(token) === row.token_hash ? token : null,
      created_at: row.created_at.toISOString(),
    };
  }

  /** 404 unless the user sees the project (owner or member, any role) */
  private async mustSee(userId: string, projectId: number): Promise<void> {
    if (!(await roleIn(this.db, userId, projectId))) throw new NotFoundError(`project ${projectId} not found`);
  }
}
