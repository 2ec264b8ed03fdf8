/** Signing in and out: the token is kept in localStorage (api.ts), so a reload stays signed in. */
import { api, setSession, type Session } from './api';
import { connectLive, disconnectLive, loadNotifications } from './live';
import { browserZone, DEFAULT_QUERY, setState } from './store';
import { closeSystemNotifications } from './system-notifications';
import { reload } from './tasks';

export function startSession(): void {
  void reload();
  void loadNotifications();
  connectLive();
  api
    .preferences()
    .then((p) => setState({ timezone: p.timezone }))
    .catch(() => {});
}

export function signIn(session: Session): void {
  setSession(session);
  setState({ session, route: '#/' });
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

export function signOut(): void {
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
  });
  location.hash = '#/signin';
}
