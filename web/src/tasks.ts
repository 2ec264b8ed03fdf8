/**
 * The task list: loading pages from the API with the current query, applying live task events
 * in place (same filter and sort rules as the server), and the actions with immediate feedback.
 */
import { api, ApiError, PRIORITY_RANK, type Task, type TaskEvent, type TaskInput } from './api';
import { endOfLocalDay, friendlyDate, startOfLocalDay } from './dates';
import { getState, rememberTags, setState, toast, type ListQuery } from './store';

export const PAGE_SIZE = 100;

export function queryParams(q: ListQuery, limit = PAGE_SIZE): URLSearchParams {
  const p = new URLSearchParams();
  if (q.q.trim()) p.set('q', q.q.trim());
  p.set('status', q.status);
  if (q.priority.length) p.set('priority', q.priority.join(','));
  for (const t of q.tags) p.append('tag', t);
  if (q.dueFrom) p.set('due_from', startOfLocalDay(q.dueFrom).toISOString());
  if (q.dueTo) p.set('due_to', endOfLocalDay(q.dueTo).toISOString());
  if (q.overdue) p.set('overdue', 'true');
  p.set('sort', q.sort);
  p.set('limit', String(limit));
  return p;
}

let generation = 0;

/** (Re)load the first page for the current query; stale responses are dropped. */
export async function reload(opts: { keepCount?: boolean } = {}): Promise<void> {
  const gen = ++generation;
  const s = getState();
  const limit = opts.keepCount ? Math.min(200, Math.max(PAGE_SIZE, s.tasks.length)) : PAGE_SIZE;
  setState({ loading: true, loadError: null });
  try {
    const page = await api.listTasks(queryParams(s.query, limit));
    if (gen !== generation) return;
    setState({ tasks: page.tasks, total: page.total, totalAtLeast: page.totalAtLeast, next: page.next, loading: false, loaded: true });
    rememberTags(page.tasks);
  } catch (err) {
    if (gen !== generation) return;
    setState({ loading: false, loadError: err instanceof Error ? err.message : String(err) });
  }
}

export async function loadMore(): Promise<void> {
  const s = getState();
  if (!s.next || s.loading) return;
  const gen = generation;
  setState({ loading: true });
  try {
    const page = await api.listTasks(s.next);
    if (gen !== generation) return;
    const seen = new Set(getState().tasks.map((t) => t.id));
    setState((st) => ({
      tasks: [...st.tasks, ...page.tasks.filter((t) => !seen.has(t.id))],
      next: page.next,
      total: page.total,
      totalAtLeast: page.totalAtLeast,
      loading: false,
    }));
    rememberTags(page.tasks);
  } catch (err) {
    if (gen !== generation) return;
    setState({ loading: false, loadError: err instanceof Error ? err.message : String(err) });
  }
}

export function setQuery(patch: Partial<ListQuery>): void {
  setState((s) => ({ query: { ...s.query, ...patch } }));
  void reload();
}

// ---------------------------------------------------------------------------------------------
// The server's filter and sort, mirrored so live events land in the right place without a refetch.

export function matches(t: Task, q: ListQuery, now = new Date()): boolean {
  if (q.status === 'pending' && t.completed) return false;
  if (q.status === 'completed' && !t.completed) return false;
  const kw = q.q.trim().toLowerCase();
  if (kw && !`${t.title} ${t.description}`.toLowerCase().includes(kw)) return false;
  if (q.priority.length && !q.priority.includes(t.priority)) return false;
  if (q.tags.some((tag) => !t.tags.includes(tag))) return false;
  const due = t.due_date ? new Date(t.due_date).getTime() : null;
  if (q.dueFrom && (due === null || due < startOfLocalDay(q.dueFrom).getTime())) return false;
  if (q.dueTo && (due === null || due > endOfLocalDay(q.dueTo).getTime())) return false;
  if (q.overdue && (t.completed || due === null || due >= now.getTime())) return false;
  return true;
}

export function comparator(sort: string): (a: Task, b: Task) => number {
  const desc = sort.startsWith('-');
  const field = desc ? sort.slice(1) : sort;
  const dir = desc ? -1 : 1;
  const byId = (a: Task, b: Task) => (a.id - b.id) * dir;
  switch (field) {
    case 'due_date':
      return (a, b) => {
        if (a.due_date === b.due_date) return byId(a, b);
        if (a.due_date === null) return 1; // nulls last both ways
        if (b.due_date === null) return -1;
        return (new Date(a.due_date).getTime() - new Date(b.due_date).getTime()) * dir || byId(a, b);
      };
    case 'priority':
      // urgent first; ties by id in the same (descending-rank) direction as the server
      return (a, b) => (PRIORITY_RANK[b.priority] - PRIORITY_RANK[a.priority]) * dir || (b.id - a.id) * dir;
    case 'title':
      return (a, b) => (a.title < b.title ? -dir : a.title > b.title ? dir : byId(a, b));
    default: {
      const key = field === 'updated_at' ? 'updated_at' : 'created_at';
      return (a, b) => (new Date(a[key]).getTime() - new Date(b[key]).getTime()) * dir || byId(a, b);
    }
  }
}

/** Put a changed task where the server would list it (or take it out). */
export function upsert(task: Task): void {
  rememberTags([task]);
  setState((s) => {
    const others = s.tasks.filter((t) => t.id !== task.id);
    const had = others.length !== s.tasks.length;
    const old = s.tasks.find((t) => t.id === task.id);
    if (old && old.version > task.version) return {}; // an older event arriving late
    if (!matches(task, s.query)) return had ? { tasks: others, total: Math.max(0, s.total - 1) } : {};
    const cmp = comparator(s.query.sort);
    const last = others[others.length - 1];
    // Unloaded pages follow the last row: a task sorting after it belongs to a later page.
    if (s.next && last && cmp(task, last) > 0) return had ? { tasks: others, total: s.total } : { total: s.total + 1 };
    let i = others.findIndex((t) => cmp(task, t) < 0);
    if (i < 0) i = others.length;
    return { tasks: [...others.slice(0, i), task, ...others.slice(i)], total: had ? s.total : s.total + 1 };
  });
}

export function removeLocal(id: number): void {
  setState((s) => {
    const tasks = s.tasks.filter((t) => t.id !== id);
    return tasks.length === s.tasks.length ? {} : { tasks, total: Math.max(0, s.total - 1) };
  });
}

const seenEvents = new Set<string>();
let refetchTimer: ReturnType<typeof setTimeout> | undefined;

export function applyTaskEvent(e: TaskEvent): void {
  if (seenEvents.has(e.event_id)) return; // at-least-once delivery
  seenEvents.add(e.event_id);
  if (seenEvents.size > 2000) seenEvents.clear();
  if (e.event_type === 'deleted') return removeLocal(e.task_id);
  if (!e.data) {
    // very large payloads arrive without data: fetch the task instead
    clearTimeout(refetchTimer);
    refetchTimer = setTimeout(() => void reload({ keepCount: true }), 200);
    return;
  }
  upsert(e.data);
}

// ---------------------------------------------------------------------------------------------
// Actions

export async function createTask(input: TaskInput): Promise<Task> {
  const task = await api.createTask(input);
  upsert(task);
  return task;
}

export async function toggleComplete(task: Task): Promise<void> {
  const completed = !task.completed;
  const optimistic: Task = {
    ...task,
    completed,
    status: completed ? 'completed' : 'pending',
    completed_at: completed ? new Date().toISOString() : null,
  };
  setState((s) => ({ tasks: s.tasks.map((t) => (t.id === task.id ? optimistic : t)) }));
  try {
    const saved = await api.setCompleted(task.id, completed);
    upsert(saved);
    if (completed) {
      toast(`Completed “${task.title}”${task.recurrence ? ' — the next one is on its way' : ''}`, {
        action: { label: 'Undo', run: () => void undoComplete(saved) },
      });
    }
  } catch (err) {
    upsert(task);
    toast(`Could not update “${task.title}”: ${err instanceof Error ? err.message : err}`, { tone: 'error' });
  }
}

/**
 * Undo a completion. For a recurring task the server has already spawned the next occurrence;
 * undo removes it again, but only when it is untouched (version 1, same series, created after
 * the completion), so an edited occurrence is never thrown away.
 */
export async function undoComplete(done: Task): Promise<void> {
  try {
    const restored = await api.setCompleted(done.id, false);
    upsert(restored);
    if (done.recurrence && done.series_id && done.completed_at) {
      const since = new Date(done.completed_at).getTime() - 1000;
      const page = await api.listTasks(new URLSearchParams({ status: 'pending', sort: '-created_at', limit: '20', q: done.title }));
      const spawned = page.tasks.find(
        (t) => t.series_id === done.series_id && t.id !== done.id && t.version === 1 && new Date(t.created_at).getTime() >= since,
      );
      if (spawned) {
        await api.deleteTask(spawned.id);
        removeLocal(spawned.id);
      }
    }
    toast(`“${done.title}” is pending again`);
  } catch (err) {
    toast(`Undo failed: ${err instanceof Error ? err.message : err}`, { tone: 'error' });
  }
}

export async function deleteTask(task: Task): Promise<void> {
  removeLocal(task.id);
  try {
    await api.deleteTask(task.id);
    toast(`Deleted “${task.title}”`, {
      action: {
        label: 'Undo',
        run: () =>
          void createTask({
            title: task.title,
            description: task.description,
            priority: task.priority,
            tags: task.tags,
            due_date: task.due_date,
            timezone: task.timezone,
            reminders: task.reminders,
            recurrence: task.recurrence,
            recurrence_basis: task.recurrence_basis,
          }).catch((e) => toast(`Undo failed: ${e instanceof ApiError ? e.message : e}`, { tone: 'error' })),
      },
    });
  } catch (err) {
    upsert(task);
    toast(`Could not delete “${task.title}”: ${err instanceof Error ? err.message : err}`, { tone: 'error' });
  }
}

export const describeDue = (t: Task) => (t.due_date ? friendlyDate(t.due_date) : '');
