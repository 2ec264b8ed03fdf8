/**
 * Acting on a reminder, from the notification center or a browser notification: snooze it (the
 * server fires it again later, as a new notification) or complete its task. Either marks it read.
 * Complete is offered only while the task is pending: its state comes from the loaded list and
 * live events, else from a lookup when the panel opens.
 */
import { api, ApiError, type AppNotification, type TaskEvent } from './api';
import { loadNotifications, markRead } from './live';
import { getState, setState, toast, type State, type TaskState } from './store';
import { undoComplete, upsert } from './tasks';

/** The API takes 1–1440 minutes: "Tomorrow" is this time tomorrow. */
export const SNOOZE_PRESETS = [
  { label: '10 min', minutes: 10 },
  { label: '1 hour', minutes: 60 },
  { label: '3 hours', minutes: 180 },
  { label: 'Tomorrow', minutes: 1440 },
] as const;

/** A reminder of a task (other notifications — assigned, shared — have no Snooze or Complete). */
export type ReminderNote = AppNotification & { task_id: number };
type NoteRef = Pick<ReminderNote, 'id' | 'task_id'>;

export const isReminder = (n: AppNotification): n is ReminderNote => n.type === 'reminder' && n.task_id !== null;

export function taskState(s: State, taskId: number): TaskState | 'unknown' {
  const known = s.noteTasks[taskId];
  if (known) return known;
  const listed = s.tasks.find((t) => t.id === taskId);
  return listed ? (listed.completed ? 'completed' : 'pending') : 'unknown';
}

const setTaskState = (id: number, state: TaskState) => setState((s) => ({ noteTasks: { ...s.noteTasks, [id]: state } }));

/** Live task events keep the state of the tasks that notifications point at current. */
export function trackTaskEvent(e: TaskEvent): void {
  const s = getState();
  if (!s.notifications.some((n) => n.task_id === e.task_id)) return;
  const state: TaskState | undefined = e.event_type === 'deleted' ? 'deleted' : e.data && (e.data.completed ? 'completed' : 'pending');
  if (state && s.noteTasks[e.task_id] !== state) setTaskState(e.task_id, state);
}

const inFlight = new Set<number>();

async function lookUp(id: number): Promise<void> {
  if (inFlight.has(id)) return;
  inFlight.add(id);
  try {
    const task = await api.getTask(id);
    setTaskState(id, task.completed ? 'completed' : 'pending');
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) setTaskState(id, 'deleted');
  } finally {
    inFlight.delete(id);
  }
}

/** Look up the tasks of listed reminders whose state is unknown (a bounded few per call). */
export async function resolveTaskStates(max = 20): Promise<void> {
  const s = getState();
  const ids = [...new Set(s.notifications.filter(isReminder).map((n) => n.task_id))].filter((id) => taskState(s, id) === 'unknown');
  await Promise.all(ids.slice(0, max).map(lookUp));
}

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
export const snoozeTime = (iso: string) => clock.format(new Date(iso));
const reason = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The server marks a snoozed reminder read itself. 409: its task was completed or deleted meanwhile. */
export async function snooze(n: NoteRef, minutes: number): Promise<boolean> {
  try {
    const saved = await api.snooze(n.id, minutes);
    const until = saved.snoozed_until;
    setState((s) => {
      const before = s.notifications.find((x) => x.id === n.id);
      return {
        notifications: s.notifications.map((x) => (x.id === n.id ? { ...x, read: true, read_at: saved.read_at, snoozed_until: until } : x)),
        unread: before && !before.read ? Math.max(0, s.unread - 1) : s.unread,
      };
    });
    if (!getState().notifications.some((x) => x.id === n.id)) void loadNotifications();
    toast(`Snoozed until ${snoozeTime(until)}`);
    return true;
  } catch (err) {
    const gone = err instanceof ApiError && err.status === 409;
    if (gone) void lookUp(n.task_id); // its Snooze and Complete then give way to the task's state
    toast(gone ? 'Nothing to snooze: this task is already completed or deleted.' : `Could not snooze the reminder: ${reason(err)}`, {
      tone: 'error',
    });
    return false;
  }
}

export async function completeTask(n: NoteRef): Promise<boolean> {
  try {
    const task = await api.setCompleted(n.task_id, true);
    upsert(task);
    setTaskState(task.id, 'completed');
    toast(`Completed “${task.title}”`, { action: { label: 'Undo', run: () => void undoComplete(task) } });
    void markRead(n.id);
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      setTaskState(n.task_id, 'deleted');
      void markRead(n.id);
      toast('This task was deleted.', { tone: 'error' });
    } else {
      toast(`Could not complete the task: ${reason(err)}`, { tone: 'error' });
    }
    return false;
  }
}
