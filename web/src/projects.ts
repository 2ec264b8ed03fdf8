/**
 * Projects: the sidebar's list and its open-task counts, project changes, and the
 * manual order of tasks (`POST …/tasks/{id}/move`), with its announcement for screen readers.
 */
import { generateKeyBetween } from 'fractional-indexing';
import { api, ApiError, type Project, type ProjectId, type ProjectInput, type Task } from './api';
import { getState, setState, toast } from './store';
import { onTaskChange, reload, upsert } from './tasks';
import { byPosition, resolveProjectId } from './views';

export const PROJECT_COLORS = ['#2153c4', '#c2410c', '#15803d', '#7c3aed', '#b91c1c', '#0e7490', '#a16207', '#be185d'] as const;

/** The Inbox first, then the manual order (string keys, compared as the server does). */
const byOrder = (a: Project, b: Project) =>
  Number(b.inbox) - Number(a.inbox) || byPosition({ position: a.position, id: Number(a.id) }, { position: b.position, id: Number(b.id) });

export async function loadProjects(): Promise<void> {
  try {
    const projects = (await api.projects()).sort(byOrder);
    const waiting = currentProjectId() === null;
    setState({ projects, projectsLoaded: true });
    // a project view opened before the projects were known ("#/inbox") can load now
    if (waiting && getState().view.kind === 'project') void reload();
    scheduleCounts(0); // Today's
  } catch (err) {
    setState({ projectsLoaded: true });
    if (getState().view.kind === 'project' && currentProjectId() === null)
      setState({ loading: false, loadError: err instanceof Error ? err.message : String(err) });
  }
}

export const currentProjectId = (): string | null => {
  const s = getState();
  return resolveProjectId(s.view, s.projects);
};

/** A `project` live event (another tab or device changed one): the sidebar follows without a refetch. */
export function applyProjectEvent(e: { event_type: 'created' | 'updated' | 'deleted'; project_id: ProjectId; data?: Project }): void {
  setState((s) => {
    const others = s.projects.filter((p) => String(p.id) !== String(e.project_id));
    if (e.event_type === 'deleted' || !e.data) return { projects: others };
    const old = s.projects.find((p) => String(p.id) === String(e.project_id));
    if (old && old.version > e.data.version) return {}; // an older event arriving late
    // the event's count is the owner's at that moment: keep ours, the count refresh follows task changes
    const next = { ...e.data, open_task_count: old?.open_task_count ?? e.data.open_task_count };
    return { projects: [...others, next].sort(byOrder) };
  });
}

/**
 * The project a quick-add "@name" means: its name, ignoring case, with "-" or "_" for spaces
 * ("@garden-2027" is "Garden 2027"); else the one open project whose name starts so.
 */
export function findProject(typed: string): Project | undefined {
  const norm = (x: string) =>
    x
      .toLowerCase()
      .replace(/[\s_-]+/g, ' ')
      .trim();
  const want = norm(typed);
  const open = getState().projects.filter((p) => !p.archived);
  const exact = open.find((p) => norm(p.name) === want);
  if (exact) return exact;
  const starts = open.filter((p) => norm(p.name).startsWith(want));
  return starts.length === 1 ? starts[0] : undefined;
}

// ---------------------------------------------------------------------------------------------
// Sidebar counts: each project's open_task_count (the projects list, refetched after changes), and
// Today's from the list's X-Total-Count (limit=1).

let countsTimer: ReturnType<typeof setTimeout> | undefined;
let countsGen = 0;

export function scheduleCounts(ms = 600): void {
  clearTimeout(countsTimer);
  countsTimer = setTimeout(() => void refreshCounts(), ms);
}

async function refreshCounts(): Promise<void> {
  const gen = ++countsGen;
  try {
    const [projects, today] = await Promise.all([
      api.projects(),
      api.listTasks(new URLSearchParams({ view: 'today', status: 'pending', limit: '1' })),
    ]);
    if (gen !== countsGen) return;
    setState({ projects: projects.sort(byOrder), todayCount: today.total });
  } catch {
    /* counts are a convenience: keep the last ones */
  }
}

// A parent's progress (2/5) is the server's: refetched when one of its subtasks changes.
const parentsDue = new Set<number>();
let parentTimer: ReturnType<typeof setTimeout> | undefined;
onTaskChange((t: Task) => {
  scheduleCounts();
  if (t.parent_id && getState().tasks.some((x) => x.id === t.parent_id)) {
    parentsDue.add(t.parent_id);
    clearTimeout(parentTimer);
    parentTimer = setTimeout(refreshParents, 150);
  }
});

function refreshParents(): void {
  const ids = [...parentsDue];
  parentsDue.clear();
  for (const id of ids)
    api.getTask(id).then(upsert, () => {
      /* gone meanwhile: its own event removes it */
    });
}

// ---------------------------------------------------------------------------------------------
// Project changes

export async function createProject(input: ProjectInput): Promise<Project> {
  const p = await api.createProject(input);
  setState((s) => ({ projects: [...s.projects.filter((x) => x.id !== p.id), p].sort(byOrder) }));
  return p;
}

export async function updateProject(p: Project, input: ProjectInput): Promise<Project> {
  const saved = await api.updateProject(p.id, input, p.version);
  setState((s) => ({ projects: s.projects.map((x) => (x.id === saved.id ? saved : x)).sort(byOrder) }));
  if (!saved.archived) scheduleCounts(0);
  return saved;
}

export async function deleteProject(p: Project): Promise<void> {
  await api.deleteProject(p.id);
  setState((s) => ({ projects: s.projects.filter((x) => x.id !== p.id) }));
  if (String(currentProjectId()) === String(p.id)) location.hash = '#/inbox';
  scheduleCounts(0);
}

// ---------------------------------------------------------------------------------------------
// Manual order

/** The tasks sharing a parent in the loaded list, in manual order. */
export function siblingsOf(task: Task, tasks: readonly Task[] = getState().tasks): Task[] {
  const ids = new Set(tasks.map((t) => t.id));
  const parentOf = (t: Task) => (t.parent_id !== null && ids.has(t.parent_id) ? t.parent_id : null);
  const mine = parentOf(task);
  return tasks.filter((t) => parentOf(t) === mine).sort(byPosition);
}

let announce: (text: string) => void = () => {};
/** The list registers its aria-live region here: reorders are spoken, not only seen. */
export const setAnnouncer = (fn: (text: string) => void): void => void (announce = fn);

/** Moves go to the server one at a time: each is placed relative to the order the previous one made. */
let queue: Promise<void> = Promise.resolve();

/**
 * Move a task to index `to` among its siblings. The list changes at once (a key between the new
 * neighbours, from the same fractional-indexing the server uses); the server's answer replaces it.
 */
export function moveTo(task: Task, to: number): Promise<void> {
  const sibs = siblingsOf(task);
  const from = sibs.findIndex((t) => t.id === task.id);
  if (from < 0 || to < 0 || to >= sibs.length || to === from) return queue;
  const rest = sibs.filter((t) => t.id !== task.id);
  const before = rest[to]; // the task now at the target slot: it goes in front of it…
  const after = rest[to - 1]; // …and behind this one
  try {
    const key = generateKeyBetween(after?.position ?? null, before?.position ?? null);
    setState((s) => ({ tasks: s.tasks.map((t) => (t.id === task.id ? { ...t, position: key } : t)) }));
  } catch {
    /* tied neighbours have no key between them: the server's answer (which re-keys ties) orders it */
  }
  announce(`Moved “${task.title}” to position ${to + 1} of ${sibs.length}.`);
  const anchor = before ? { before_id: before.id } : { after_id: (after as Task).id };
  queue = queue.then(async () => {
    try {
      const saved = await api.moveTask(task.id, anchor);
      upsert(saved);
    } catch (err) {
      const msg = err instanceof ApiError ? err.message : String(err);
      announce(`Could not move “${task.title}”: ${msg}`);
      toast(`Could not move “${task.title}”: ${msg}`, { tone: 'error' });
      void reload({ keepCount: true });
    }
  });
  return queue;
}

export function moveBy(task: Task, delta: number): void {
  const current = getState().tasks.find((t) => t.id === task.id) ?? task;
  const sibs = siblingsOf(current);
  const from = sibs.findIndex((t) => t.id === task.id);
  const to = from + delta;
  if (to < 0 || to >= sibs.length) {
    announce(`“${task.title}” is already ${delta < 0 ? 'first' : 'last'}.`);
    return;
  }
  void moveTo(current, to);
}
