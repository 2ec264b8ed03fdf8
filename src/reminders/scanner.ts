/**
 * Fires due reminders: claims them (FOR UPDATE SKIP LOCKED), marks them fired and appends
 * their `notifications` events to the outbox — in one transaction. So a reminder fires once
 * even when every replica scans at the same cron tick, and a crash before commit fires it later.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db, Tx } from '../db/types.js';
import { appendManyToOutbox } from '../events/outbox.js';
import { TOPICS } from '../events/schemas.js';
import { metrics } from '../metrics.js';
import { reminderText } from './message.js';
import { inSpan, linkTo, SpanKind, tracingOn } from '../tracing/context.js';

/** A reminder fired more than this after its time is marked late (the service was down or busy). */
export const LATE_AFTER_MS = 60_000;
const BATCH = 500;

interface DueRow {
  id: number;
  task_id: number;
  user_id: string;
  remind_at: Date;
  title: string;
  due_date: Date | null;
  timezone: string;
  traceparent: string | null;
}

export class ReminderScanner {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {}

  /** Fire everything due now; returns how many fired. */
  async scan(): Promise<number> {
    let total = 0;
    for (;;) {
      const fired = await this.fireBatch();
      total += fired;
      if (fired < BATCH) return total;
    }
  }

  /** The earliest pending reminder, for the clock's timer. */
  async nextDue(): Promise<Date | null> {
    const row = await this.db
      .selectFrom('reminders')
      .select('remind_at')
      .where('fired_at', 'is', null)
      .orderBy('remind_at')
      .limit(1)
      .executeTakeFirst();
    return row?.remind_at ?? null;
  }

  private async fireBatch(): Promise<number> {
    const now = this.now();
    return this.db.transaction().execute(async (tx) => {
      const due = await sql<DueRow>`
        -- a task's reminder goes to its assignee, else its creator, as they are when it fires;
        -- a snooze to whoever snoozed it
        SELECT r.id, r.task_id, CASE WHEN r.snooze_of IS NULL THEN coalesce(t.assignee_id, t.user_id) ELSE r.user_id END AS user_id,
          r.remind_at, t.title, t.due_date, t.timezone, r.traceparent
        FROM reminders r JOIN tasks t ON t.id = r.task_id
        WHERE r.fired_at IS NULL AND r.remind_at <= ${now} AND t.completed = false
        ORDER BY r.remind_at
        LIMIT ${BATCH}
        FOR UPDATE OF r SKIP LOCKED`.execute(tx);
      if (!due.rows.length) return 0;
      if (!tracingOn()) return this.fire(tx, due.rows, now);
      // the firing is its own trace (a clock tick), linked to each write that scheduled a reminder
      return inSpan(
        'reminders fire',
        {
          kind: SpanKind.INTERNAL,
          links: due.rows.flatMap((r) => linkTo(r.traceparent)),
          attributes: { 'taskstream.reminders': due.rows.length },
        },
        () => this.fire(tx, due.rows, now),
      );
    });
  }

  /** Marks the claimed reminders fired and appends their notifications, in the scan's transaction. */
  private async fire(tx: Tx, rows: DueRow[], now: Date): Promise<number> {
    await tx
      .updateTable('reminders')
      .set({ fired_at: now })
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    // one INSERT for the whole batch (in remind_at order), not one round trip per reminder
    const events = rows.map((r) => {
      const lateness = now.getTime() - r.remind_at.getTime();
      const late = lateness > LATE_AFTER_MS;
      metrics.remindersFired.inc({ late: String(late) });
      metrics.reminderLateness.observe(Math.max(0, lateness) / 1000);
      const text = reminderText(r.title, r.due_date, now, r.timezone);
      return {
        key: String(r.task_id),
        payload: {
          notification_id: randomUUID(),
          type: 'reminder' as const,
          user_id: r.user_id,
          task_id: r.task_id,
          title: text.title,
          body: text.body,
          due_date: r.due_date?.toISOString() ?? null,
          remind_at: r.remind_at.toISOString(),
          late,
          timestamp: now.toISOString(),
        },
      };
    });
    await appendManyToOutbox(tx, TOPICS.notifications, events);
    return rows.length;
  }
}
