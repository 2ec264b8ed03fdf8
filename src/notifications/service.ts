/** The notification inbox as users see it. */
import type { Db, NotificationRow } from '../db/types.js';
import { NotFoundError } from '../errors.js';

export interface Notification {
  id: string;
  type: string;
  task_id: number;
  title: string;
  body: string;
  due_date: string | null;
  remind_at: string;
  late: boolean;
  created_at: string;
  read: boolean;
  read_at: string | null;
}

export function toNotification(r: NotificationRow): Notification {
  return {
    id: r.id,
    type: r.type,
    task_id: r.task_id,
    title: r.title,
    body: r.body,
    due_date: r.due_date?.toISOString() ?? null,
    remind_at: r.remind_at.toISOString(),
    late: r.late,
    created_at: r.created_at.toISOString(),
    read: r.read_at !== null,
    read_at: r.read_at?.toISOString() ?? null,
  };
}

export class NotificationService {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {}

  async list(userId: string, opts: { unreadOnly: boolean; limit: number }): Promise<{ items: Notification[]; unread: number }> {
    let q = this.db.selectFrom('notifications').selectAll().where('user_id', '=', userId);
    if (opts.unreadOnly) q = q.where('read_at', 'is', null);
    const rows = await q.orderBy('created_at', 'desc').orderBy('id').limit(opts.limit).execute();
    const { unread } = await this.db
      .selectFrom('notifications')
      .select((eb) => eb.fn.countAll<number>().as('unread'))
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .executeTakeFirstOrThrow();
    return { items: rows.map(toNotification), unread: Number(unread) };
  }

  async markRead(userId: string, id: string): Promise<Notification> {
    const row = await this.db
      .updateTable('notifications')
      .set((eb) => ({ read_at: eb.fn.coalesce('read_at', eb.val(this.now())) }))
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new NotFoundError(`notification ${id} not found`);
    return toNotification(row);
  }

  async markAllRead(userId: string): Promise<number> {
    const res = await this.db
      .updateTable('notifications')
      .set({ read_at: this.now() })
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }
}
