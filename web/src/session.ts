/**
 * Signing in and out. The access token lives in memory (api.ts); a reload gets a new one from the
 * HttpOnly refresh-token cookie, so it stays signed in without any token in storage.
 */
import { api, setSession, type Session } from './api';
import { connectLive, disconnectLive, loadNotifications } from './live';
import { loadPreferences } from './preferences';
import { loadProjects } from './projects';
import { hashOf } from './list-query';
import { browserZone, DEFAULT_QUERY, getState, listRoute, setState } from './store';
import { closeSystemNotifications } from './system-notifications';
import { reload } from './tasks';
import { parseOverlay, parseView, viewKey } from './views';

export function startSession(): void {
  void reload();
  void loadProjects();
  void loadNotifications();
  connectLive();
  void loadPreferences();
}

/**
 * A new hash: a task overlay opens over the current view; another view replaces it and its list
 * is loaded (back/forward land here too, so every view is a deep link).
 */
export function followRoute(route: string): void {
  const s = getState();
  if (parseOverlay(route) || !s.session || /^#\/sign/.test(route)) return setState({ route, drawer: false });
  const view = parseView(route);
  const changed = viewKey(view) !== viewKey(s.view);
  // another screen starts at its top, not where the last one was scrolled to (Settings opened from
  // far down the list showed its middle); an overlay closing, or a filter, keeps the list's place
  if (changed) window.scrollTo(0, 0);
  if (view.kind === 'all') {
    // the list's query comes from its URL (Back, a link, a reload); a plain "#/" is written out in full
    const list = listRoute(route);
    if (list.route !== route) history.replaceState(null, '', list.route);
    const queryChanged = hashOf(list.query) !== hashOf(s.query);
    setState({ route: list.route, view, viewRoute: list.route, drawer: false, ...(queryChanged ? { query: list.query } : {}) });
    if (changed || queryChanged) void reload();
    return;
  }
  setState({ route, view, viewRoute: route, drawer: false });
  if (changed && view.kind !== 'settings') void reload();
}

/** Back online (the browser says so): everything is fetched again and the live stream reopened. */
export function backOnline(): void {
  setState({ online: true });
  if (getState().session) startSession();
}

export function signIn(session: Session): void {
  setSession(session);
  setState({ session, route: '#/', view: { kind: 'all' }, viewRoute: '#/' });
  if (location.hash && location.hash !== '#/') location.hash = '#/';
  startSession();
}

/** New accounts start in the browser's time zone (the server's default is UTC). */
export async function adoptBrowserZone(): Promise<void> {
  try {
    const zone = browserZone();
    await api.setPreferences(zone);
    setState({ timezone: zone });
  } catch {
    /* keep the server's default */
  }
}

/** The user signs out: the server ends this browser's session too (its refresh token). */
export function signOut(): void {
  void api.logout();
  endSession();
}

/** Signed out here only (the session already ended on the server, or belongs to another tab's account now). */
export function endSession(): void {
  disconnectLive();
  void closeSystemNotifications().catch(() => undefined);
  setSession(null);
  setState({
    session: null,
    tasks: [],
    total: 0,
    totalAtLeast: false,
    next: null,
    loaded: false,
    notifications: [],
    unread: 0,
    noteTasks: {},
    knownTags: [],
    query: { ...DEFAULT_QUERY },
    projects: [],
    projectsLoaded: false,
    todayCount: null,
    drawer: false,
  });
  location.hash = '#/signin';
}
