/**
 * End-to-end latencies through the public API:
 * - complete → next occurrence readable: PATCH …/complete on a daily task, then GET the pending
 *   list back-to-back until the spawned occurrence (same series) shows up;
 * - reminder lateness: tasks with absolute reminders a few seconds ahead (some at the same
 *   instant), then the inbox entry's created_at minus remind_at.
 */
import { call, must, type Session } from '../lib/api.js';
import { log, sleep, summarize, type Summary } from '../lib/util.js';

export interface CompleteToNext {
  samples_ms: number[];
  summary: Summary;
  /** PATCH round trip alone (the completion the user waits for) */
  patch: Summary;
  polls_per_sample: number;
}

export async function completeToNext(url: string, s: Session, samples: number, opts: { pauseMs?: number } = {}): Promise<CompleteToNext> {
  const base = `/api/${s.userId}/tasks`;
  const lat: number[] = [];
  const patch: number[] = [];
  let polls = 0;
  for (let i = 0; i < samples; i++) {
    const task = await must<{ id: number; series_id: string }>(url, 'POST', base, s.token, {
      title: `Water the plants ${i}`,
      description: 'daily chore for the complete-to-next benchmark',
      due_date: new Date(Date.now() + 3600_000).toISOString(),
      recurrence: 'daily',
      tags: ['home'],
    });
    await sleep(opts.pauseMs ?? 20); // let the relay publish the "created" event first
    const t0 = performance.now();
    const done = await call(url, 'PATCH', `${base}/${task.id}/complete`, s.token);
    patch.push(performance.now() - t0);
    if (done.status !== 200) throw new Error(`complete → ${done.status}`);
    const deadline = Date.now() + 30_000;
    for (;;) {
      polls++;
      const page = await must<{ id: number; series_id: string }[]>(url, 'GET', `${base}?status=pending&sort=-created_at&limit=1`, s.token);
      if (page[0] && page[0].series_id === task.series_id && page[0].id !== task.id) break;
      if (Date.now() > deadline) throw new Error(`next occurrence of task ${task.id} not visible after 30 s`);
    }
    lat.push(performance.now() - t0);
  }
  return {
    samples_ms: lat.map((x) => Math.round(x * 10) / 10),
    summary: summarize(lat),
    patch: summarize(patch),
    polls_per_sample: Math.round((polls / samples) * 10) / 10,
  };
}

export interface ReminderLateness {
  reminders: number;
  received: number;
  /** inbox created_at − remind_at */
  summary: Summary;
  /** reminders.fired_at − remind_at (when the database is reachable): the scan's share */
  fired?: Summary;
  samples_ms: number[];
}

/**
 * `count` reminders over `spreadMs`, starting `leadMs` from now, in bursts of `burst` at the
 * same instant, spread over the sessions (≤ 200 each: the inbox page size).
 */
export async function reminderLateness(
  url: string,
  sessions: readonly Session[],
  o: {
    count: number;
    spreadMs: number;
    leadMs: number;
    burst: number;
    graceMs: number;
    firedAt?: (taskIds: number[]) => Promise<Map<number, number>>;
  },
): Promise<ReminderLateness> {
  const start = Date.now() + o.leadMs;
  const groups = Math.ceil(o.count / o.burst);
  const wanted = new Map<number, number>(); // task id → remind_at
  const created: Promise<void>[] = [];
  for (let i = 0; i < o.count; i++) {
    const s = sessions[i % sessions.length]!;
    const at = new Date(start + Math.floor(i / o.burst) * Math.floor(o.spreadMs / Math.max(1, groups - 1)));
    created.push(
      must<{ id: number }>(url, 'POST', `/api/${s.userId}/tasks`, s.token, {
        title: `Reminder probe ${i}`,
        reminders: [{ at: at.toISOString() }],
      }).then((t) => void wanted.set(t.id, at.getTime())),
    );
    if (created.length >= 16) await Promise.all(created.splice(0));
  }
  await Promise.all(created);
  if (Date.now() > start) log(`warning: creating the reminder tasks took longer than the lead time (${o.leadMs} ms)`);
  const last = start + o.spreadMs;
  await sleep(Math.max(0, last - Date.now()) + o.graceMs);
  const lateness: number[] = [];
  const seen = new Set<number>();
  for (const s of sessions) {
    const inbox = await must<{ task_id: number; remind_at: string; created_at: string }[]>(
      url,
      'GET',
      `/api/${s.userId}/notifications?limit=200`,
      s.token,
    );
    for (const n of inbox) {
      const at = wanted.get(n.task_id);
      if (at === undefined || seen.has(n.task_id)) continue;
      seen.add(n.task_id);
      lateness.push(Date.parse(n.created_at) - Date.parse(n.remind_at));
    }
  }
  const received = lateness.length;
  if (received < o.count) {
    log(`warning: ${o.count - received} of ${o.count} reminders not in the inbox after the grace period`);
    // a missing one is at least this late: count it, so the percentiles are not flattered
    for (const [id, at] of wanted) if (!seen.has(id)) lateness.push(Date.now() - at);
  }
  let fired: Summary | undefined;
  if (o.firedAt) {
    const at = await o.firedAt([...wanted.keys()]);
    fired = summarize([...at].map(([id, f]) => f - wanted.get(id)!));
  }
  return { fired, reminders: o.count, received, summary: summarize(lateness), samples_ms: lateness };
}
