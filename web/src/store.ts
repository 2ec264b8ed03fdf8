/**
 * App state in one small store (no framework state library): components read it with
 * useStore() and re-render on change; rows are memoized so a 500-task list re-renders cheaply.
 */
import { useEffect, useState } from 'preact/hooks';
import type { AppNotification, Member, Project, Session, Task, WeekStart } from './api';
import { getSession } from './api';
import { dialogOpen } from './keys';
import { DEFAULT_QUERY, hashOf, isListRoute, queryOf, type ListQuery } from './list-query';
import { parseOverlay, parseView, type View } from './views';

export { DEFAULT_QUERY, SORTS, type ListQuery, type StatusFilter } from './list-query';

export interface Toast {
  id: number;
  message: string;
  tone?: 'info' | 'error';
  action?: { label: string; run: () => void };
}

export type Theme = 'system' | 'light' | 'dark';
export type TaskState = 'pending' | 'completed' | 'deleted';

export interface State {
  session: Session | null;
  route: string;
  /** the list or screen behind the route (a task overlay keeps the view it was opened from) */
  view: View;
  /** the hash of that view: where closing an overlay goes back to */
  viewRoute: string;
  projects: Project[];
  projectsLoaded: boolean;
  /** members of shared projects by project id, loaded when shown (members.ts) */
  members: Record<string, Member[]>;
  /** open tasks in Today (the sidebar's count; projects carry their own) */
  todayCount: number | null;
  /** subtasks hidden under their parent (ids), remembered across reloads */
  collapsed: Record<number, true>;
  /** the navigation drawer (phones) */
  drawer: boolean;
  weekStart: WeekStart;
  displayName: string;
  query: ListQuery;
  tasks: Task[];
  total: number;
  /** `total` is a lower bound (the server counts long lists only up to a cap) */
  totalAtLeast: boolean;
  next: string | null;
  loading: boolean;
  loaded: boolean;
  loadError: string | null;
  notifications: AppNotification[];
  unread: number;
  /** what is known of the tasks notifications point at (beyond the loaded list): offers Complete or not */
  noteTasks: Record<number, TaskState>;
  toasts: Toast[];
  live: 'off' | 'connecting' | 'live' | 'reconnecting';
  /** every tag seen on the user's tasks (editor suggestions, tag filter) */
  knownTags: string[];
  theme: Theme;
  timezone: string;
  /** the browser's network (navigator.onLine): off shows the offline banner */
  online: boolean;
}

const QUERY_KEY = 'taskstream.query';
const THEME_KEY = 'taskstream.theme';

/** The status and sort last chosen (the rest of a list's query lives only in its URL). */
export function savedQuery(): ListQuery {
  try {
    const saved = JSON.parse(localStorage.getItem(QUERY_KEY) ?? '{}') as Partial<ListQuery>;
    return { ...DEFAULT_QUERY, status: saved.status ?? DEFAULT_QUERY.status, sort: saved.sort ?? DEFAULT_QUERY.sort };
  } catch {
    return DEFAULT_QUERY;
  }
}

export const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

const COLLAPSED_KEY = 'taskstream.collapsed';
function loadCollapsed(): Record<number, true> {
  try {
    return Object.fromEntries((JSON.parse(localStorage.getItem(COLLAPSED_KEY) ?? '[]') as number[]).map((id) => [id, true]));
  } catch {
    return {};
  }
}

/**
 * The All-tasks list's query is in its route (list-query.ts); a plain `#/` is the saved status and
 * sort, written into the URL so a reload or a copied link shows the same list.
 */
export function listRoute(route: string): { route: string; query: ListQuery } {
  const query = (isListRoute(route) && queryOf(route)) || savedQuery();
  return { route: isListRoute(route) ? hashOf(query) : route, query };
}
const startHash = location.hash || '#/';
const startsOnOverlay = parseOverlay(startHash) !== null;
const initial = listRoute(startsOnOverlay ? '#/' : startHash);
const initialRoute = startsOnOverlay ? startHash : initial.route;
const initialViewRoute = initial.route;
if (initialRoute !== startHash) history.replaceState(null, '', initialRoute);

let state: State = {
  session: getSession(),
  route: initialRoute,
  view: parseView(initialViewRoute),
  viewRoute: initialViewRoute,
  projects: [],
  projectsLoaded: false,
  members: {},
  todayCount: null,
  collapsed: loadCollapsed(),
  drawer: false,
  weekStart: 'monday',
  displayName: '',
  query: initial.query,
  tasks: [],
  total: 0,
  totalAtLeast: false,
  next: null,
  loading: false,
  loaded: false,
  loadError: null,
  notifications: [],
  unread: 0,
  noteTasks: {},
  toasts: [],
  live: 'off',
  knownTags: [],
  theme: (localStorage.getItem(THEME_KEY) as Theme | null) ?? 'system',
  timezone: browserZone(),
  online: navigator.onLine,
};

/** data-theme overrides prefers-color-scheme; index.html applies the saved one before first paint. */
function applyTheme(theme: Theme): void {
  const root = document.documentElement;
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
}

const listeners = new Set<() => void>();

export const getState = (): State => state;

export function setState(patch: Partial<State> | ((s: State) => Partial<State>)): void {
  const p = typeof patch === 'function' ? patch(state) : patch;
  state = { ...state, ...p };
  if ('query' in p) localStorage.setItem(QUERY_KEY, JSON.stringify({ status: state.query.status, sort: state.query.sort }));
  if ('collapsed' in p) localStorage.setItem(COLLAPSED_KEY, JSON.stringify(Object.keys(state.collapsed).map(Number).slice(-500)));
  if ('theme' in p) {
    if (state.theme === 'system') localStorage.removeItem(THEME_KEY);
    else localStorage.setItem(THEME_KEY, state.theme);
    applyTheme(state.theme);
  }
  for (const l of listeners) l();
}

export function useStore(): State {
  const [, force] = useState(0);
  useEffect(() => {
    const l = () => force((n) => n + 1);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return state;
}

/** At most two at once, the newest: more would stack up over the list and the editor. */
const MAX_TOASTS = 2;
let toastId = 0;
export function toast(message: string, opts: Omit<Toast, 'id' | 'message'> & { ms?: number } = {}): number {
  const id = ++toastId;
  const { ms = opts.action ? 8000 : 4000, ...rest } = opts;
  setState((s) => ({ toasts: [...s.toasts.slice(-(MAX_TOASTS - 1)), { id, message, ...rest }] }));
  expireLater(id, ms);
  return id;
}

/** A toast's time runs while it can be seen: behind an open dialog (Toasts.tsx holds it back) it waits. */
function expireLater(id: number, ms: number): void {
  setTimeout(() => (dialogOpen() ? expireLater(id, ms) : dismissToast(id)), ms);
}

/** Runs the newest toast's Undo (the U and Ctrl/Cmd+Z shortcut); false when no toast offers one. */
export function undoLatest(): boolean {
  const t = [...state.toasts].reverse().find((x) => x.action?.label === 'Undo');
  if (!t?.action) return false;
  dismissToast(t.id);
  t.action.run();
  return true;
}

export function dismissToast(id: number): void {
  setState((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
}

export function rememberTags(tasks: readonly Task[]): void {
  const known = new Set(state.knownTags);
  const before = known.size;
  for (const t of tasks) for (const tag of t.tags) known.add(tag);
  if (known.size !== before) setState({ knownTags: [...known].sort() });
}
