/**
 * The task list: loading pages from the API with the current query, applying live task events
 * in place (same filter and sort rules as the server), and the actions with immediate feedback.
 */
import { api, PRIORITY_RANK, type Task, type TaskEvent, type TaskInput } from './api';
import { endOfLocalDay, startOfLocalDay } from './dates';
import { getState, rememberTags, setState, toast, type ListQuery, type State } from './store';
import { hashOf } from './list-query';
import { byPosition, matchesView, parseOverlay, resolveProjectId } from './views';

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
  if (q.assignee) p.set('assignee', q.assignee);
  p.set('sort', q.sort);
  p.set('limit', String(limit));
  return p;
}

/** The API query of the current view (null: a project view waiting for the projects to resolve "inbox"). */
export function listParams(s: State, limit = PAGE_SIZE): URLSearchParams | null {
  const v = s.view;
  if (v.kind === 'all' || v.kind === 'settings') return queryParams(s.query, limit);
  const p = new URLSearchParams({ status: 'pending', limit: String(limit) });
  if (v.kind === 'project') {
    const id = resolveProjectId(v, s.projects);
    if (id === null) return null;
    // the whole project, subtasks included: the tree is built here (one request, not one per parent)
    p.set('project_id', id);
    p.set('sort', 'position');
    p.set('limit', '200');
  } else {
    p.set('view', v.kind);
    if (v.kind === 'upcoming') p.set('days', String(v.days));
    p.set('sort', 'due_date');
  }
  return p;
}

/** The sort the current view's list is in (what a live event is placed by). */
const viewSort = (s: State): string => (s.view.kind === 'project' ? 'position' : s.view.kind === 'all' ? s.query.sort : 'due_date');

const inView = (t: Task, s: State): boolean =>
  s.view.kind === 'all' || s.view.kind === 'settings'
    ? matches(t, s.query)
    : matchesView(t, s.view, { zone: s.timezone, projectId: s.view.kind === 'project' ? resolveProjectId(s.view, s.projects) : null });

let generation = 0;

/** (Re)load the first page for the current view; stale responses are dropped. */
export async function reload(opts: { keepCount?: boolean } = {}): Promise<void> {
  const gen = ++generation;
  const s = getState();
  const limit = opts.keepCount ? Math.min(200, Math.max(PAGE_SIZE, s.tasks.length)) : PAGE_SIZE;
  const params = listParams(s, limit);
  if (!params) return setState({ tasks: [], total: 0, next: null, loading: true, loaded: false, loadError: null });
  setState({ loading: true, loadError: null });
  try {
    const page = await api.listTasks(params);
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

/**
 * A new search, filter or sort of the All-tasks list, written into its URL (replaced, not pushed:
 * Back leaves the list rather than stepping through every keystroke of a search).
 */
export function setQuery(patch: Partial<ListQuery>): void {
  setState((s) => ({ query: { ...s.query, ...patch } }));
  const s = getState();
  if (s.view.kind === 'all') {
    const route = hashOf(s.query);
    const onList = !parseOverlay(s.route);
    if (onList && location.hash !== route) history.replaceState(null, '', route);
    setState({ viewRoute: route, ...(onList ? { route } : {}) });
  }
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
  if (q.assignee === 'me' && t.assignee_id !== getState().session?.userId) return false;
  return true;
}

export function comparator(sort: string): (a: Task, b: Task) => number {
  if (sort === 'position') return byPosition;
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
    if (!inView(task, s)) return had ? { tasks: others, total: Math.max(0, s.total - 1) } : {};
    const cmp = comparator(viewSort(s));
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
  if (e.event_type === 'deleted') {
    const gone = getState().tasks.find((t) => t.id === e.task_id) ?? e.data;
    removeLocal(e.task_id);
    if (gone) afterChange(gone);
    return;
  }
  if (!e.data) {
    // very large payloads arrive without data: fetch the task instead
    clearTimeout(refetchTimer);
    refetchTimer = setTimeout(() => void reload({ keepCount: true }), 200);
    return;
  }
  upsert(e.data);
  afterChange(e.data);
}

// ---------------------------------------------------------------------------------------------
// Actions

/** A task added while a project is open goes into that project (else the server's default: the Inbox). */
export async function createTask(input: TaskInput): Promise<Task> {
  const s = getState();
  const hereId = s.view.kind === 'project' ? resolveProjectId(s.view, s.projects) : null;
  const here = s.projects.find((p) => String(p.id) === hereId);
  const task = await api.createTask(here && input.project_id === undefined ? { ...input, project_id: here.id } : input);
  upsert(task);
  afterChange(task);
  return task;
}

type ChangeHook = (task: Task) => void;
const changeHooks: ChangeHook[] = [];
/** Called after every change seen here (own actions and live events): sidebar counts, a parent's progress. */
export const onTaskChange = (hook: ChangeHook): void => void changeHooks.push(hook);
function afterChange(task: Task): void {
  for (const h of changeHooks) h(task);
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
    afterChange(saved);
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

/** Deleted with its subtasks; Undo restores the same task (id, history, subtasks: `POST …/restore`), not a copy. */
export async function deleteTask(task: Task): Promise<void> {
  removeLocal(task.id);
  try {
    await api.deleteTask(task.id);
    afterChange(task);
    toast(`Deleted “${task.title}”`, { action: { label: 'Undo', run: () => void restoreTask(task) } });
  } catch (err) {
    upsert(task);
    toast(`Could not delete “${task.title}”: ${err instanceof Error ? err.message : err}`, { tone: 'error' });
  }
}

export async function restoreTask(task: Task): Promise<void> {
  try {
    const back = await api.restoreTask(task.id);
    upsert(back);
    afterChange(back);
    toast(`Restored “${back.title}”`);
  } catch (err) {
    toast(`Undo failed: ${err instanceof Error ? err.message : err}`, { tone: 'error' });
  }
}
