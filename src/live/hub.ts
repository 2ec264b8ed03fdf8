/**
 * Live updates for open clients (SSE). A consumer publishes; every process that holds a
 * stream of that user delivers: LISTEN/NOTIFY fans out to every process (replica, cluster worker),
 * whichever consumer process handled the event.
 */
import pg from 'pg';
import { sql } from 'kysely';
import type { Db } from '../db/types.js';
import type { Logger } from '../logger.js';

export interface LiveMessage {
  /** SSE event name: "task", "notification" or "project" */
  kind: 'task' | 'notification' | 'project';
  /** unique per change, so clients can drop duplicates (delivery is at-least-once) */
  id: string;
  user_id: string;
  /** the users whose streams get it (every member of the task's project); default [user_id] */
  audience?: string[] | undefined;
  /** the project of a task or project message: lets a stream drop what its user lost access to */
  project_id?: number | undefined;
  /** a project message: members it removed (their streams stop showing the project at once) */
  revoked?: string[] | undefined;
  data: unknown;
}

export type LiveListener = (msg: LiveMessage) => void;

export interface LiveHub {
  publish(msg: LiveMessage): Promise<void>;
  /** the same as `publish` for each, in order */
  publishMany(msgs: LiveMessage[]): Promise<void>;
  subscribe(userId: string, listener: LiveListener): () => void;
  close(): Promise<void>;
}

/** Per-user listener sets; the local half of every hub. */
class Listeners {
  private readonly byUser = new Map<string, Set<LiveListener>>();

  add(userId: string, l: LiveListener): () => void {
    const set = this.byUser.get(userId) ?? new Set();
    set.add(l);
    this.byUser.set(userId, set);
    return () => {
      set.delete(l);
      if (!set.size) this.byUser.delete(userId);
    };
  }

  deliver(msg: LiveMessage): void {
    for (const user of msg.audience ?? [msg.user_id]) for (const l of this.byUser.get(user) ?? []) l(msg);
  }
}

const CHANNEL = 'live_updates';
/** NOTIFY payloads are limited to 8000 bytes; larger messages go without `data` (clients refetch). (A 100-member audience is ~4 KB.) */
const MAX_PAYLOAD = 7500;

function notifyPayload(msg: LiveMessage): string {
  const payload = JSON.stringify(msg);
  return Buffer.byteLength(payload) > MAX_PAYLOAD ? JSON.stringify({ ...msg, data: null }) : payload;
}

export class PgNotifyHub implements LiveHub {
  private readonly listeners = new Listeners();
  private client: pg.Client | undefined;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly db: Db,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (n) => {
      if (n.channel !== CHANNEL || !n.payload) return;
      try {
        this.listeners.deliver(JSON.parse(n.payload) as LiveMessage);
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'bad live payload');
      }
    });
    client.on('error', (err) => {
      this.log.warn({ err: err.message }, 'live LISTEN connection lost; reconnecting');
      this.reconnect();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
  }

  private reconnect(): void {
    this.client = undefined;
    if (this.closed) return;
    setTimeout(() => this.start().catch(() => this.reconnect()), 1000).unref();
  }

  async publish(msg: LiveMessage): Promise<void> {
    await sql`SELECT pg_notify(${CHANNEL}, ${notifyPayload(msg)})`.execute(this.db);
  }

  /** One statement for a batch; notifications of one transaction are delivered in the order sent. */
  async publishMany(msgs: LiveMessage[]): Promise<void> {
    if (!msgs.length) return;
    await sql`
      SELECT pg_notify(${CHANNEL}, p) FROM unnest(${msgs.map(notifyPayload)}::text[]) WITH ORDINALITY AS m(p, n) ORDER BY n`.execute(
      this.db,
    );
  }

  subscribe(userId: string, listener: LiveListener): () => void {
    return this.listeners.add(userId, listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client?.end().catch(() => undefined);
  }
}
