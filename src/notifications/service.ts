/** The notification inbox as users see it. */
import type { Db, NotificationRow } from '../db/types.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { accessOf } from '../projects/access.js';
import type { Notification, Snoozed } from './model.js';

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
    /** called after a commit that wrote a reminder (re-arms the clocks) */
    private readonly changed: () => void = () => undefined,
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

  /**
   * Remind again in `minutes`: a reminder row keyed by this notification (`snooze_of`), fired by
   * the scanner like any other as a NEW notification of the same task — so it survives restarts
   * and fires once across replicas. One pending re-fire per notification: snoozing again moves
   * it (the later snooze wins). Completing the task deletes it; deleting the task cascades.
   * Snoozing also marks the notification read: the user has acted on it.
   * 404: no such notification of this user; 409: its task was deleted or is completed.
   */
  async snooze(userId: string, id: string, minutes: number): Promise<Snoozed> {
    const now = this.now();
    const until = new Date(now.getTime() + minutes * 60_000);
    const row = await this.db.transaction().execute(async (tx) => {
      const note = await tx
        .selectFrom('notifications')
        .select('task_id')
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      if (!note) throw new NotFoundError(`notification ${id} not found`);
      if (note.task_id === null) throw new ConflictError(`notification ${id} is not a reminder of a task`);
      const taskId = note.task_id;
      // FOR SHARE: a completion or deletion committing meanwhile either waits for us (and then
      // deletes the snooze) or has committed (and we see it here)
      const task = await tx
        .selectFrom('tasks')
        .select('completed')
        .where('id', '=', taskId)
        .where(() => accessOf(userId).tasks) // an assignee's reminder of a shared task, too
        .forShare()
        .executeTakeFirst();
      if (!task) throw new ConflictError(`task ${note.task_id} of this notification was deleted`);
      if (task.completed) throw new ConflictError(`task ${note.task_id} of this notification is completed`);
      await tx
        .insertInto('reminders')
        .values({ task_id: taskId, user_id: userId, remind_at: until, fired_at: null, snooze_of: id })
        .onConflict((oc) => oc.column('snooze_of').doUpdateSet({ remind_at: until, fired_at: null }))
        .execute();
      return tx
        .updateTable('notifications')
        .set((eb) => ({ read_at: eb.fn.coalesce('read_at', eb.val(now)) }))
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
    });
    this.changed();
    return { ...toNotification(row), snoozed_until: until.toISOString() };
  }
}
