/**
 * The live stream (SSE): task events patch the list, notification events feed the inbox, the
 * unread badge and — once the user allowed it — browser notifications (system-notifications.ts).
 * After a reconnect the list and inbox are refetched, since events may have been missed meanwhile.
 */
import { api, type AppNotification, type NotificationEvent, type TaskEvent } from './api';
import { trackTaskEvent } from './reminders';
import { getState, setState, toast } from './store';
import { showSystemNotification } from './system-notifications';
import { reconnected } from './connection';
import { onProjectEvent } from './members';
import { loadPreferences } from './preferences';
import { loadProjects } from './projects';
import { applyTaskEvent, reload } from './tasks';

let source: EventSource | null = null;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let everConnected = false;
/** an attempt failed since the last connect: what loaded meanwhile (or failed to) may be stale */
let missed = false;
/** bumped by every (re)connect and disconnect: a ticket that arrives late for an older attempt is dropped */
let generation = 0;

export function connectLive(): void {
  disconnectLive();
  if (!getState().session) return;
  setState({ live: 'connecting' });
  open();
}

/** Tickets are single-use: every (re)connection asks for a new one, so EventSource's own retry (same URL) is never used. */
function open(): void {
  const attempt = ++generation;
  api.streamUrl().then(
    (url) => {
      if (attempt === generation) listen(new EventSource(url));
    },
    () => {
      if (attempt === generation) retryLater();
    },
  );
}

function retryLater(): void {
  clearTimeout(retryTimer);
  missed = true;
  setState({ live: 'reconnecting' });
  retryTimer = setTimeout(() => getState().session && open(), 2000);
}

function listen(es: EventSource): void {
  source = es;
  es.addEventListener('open', () => {
    if (source !== es) return;
    // also the first connect after failed ones: the app may have opened (from the worker's shell)
    // while the server was unreachable, and its "Cannot reach the server" messages are stale now
    if (everConnected || missed) {
      void reload({ keepCount: true });
      void loadNotifications();
      void loadProjects(); // project events may have been missed too
      if (!everConnected) void loadPreferences(); // never loaded: the app opened without the server
      reconnected();
    }
    everConnected = true;
    missed = false;
    setState({ live: 'live' });
  });
  es.addEventListener('error', () => {
    if (source !== es) return;
    es.close();
    source = null;
    retryLater();
  });
  es.addEventListener('task', (ev) => {
    try {
      const e = JSON.parse((ev as MessageEvent<string>).data) as TaskEvent;
      applyTaskEvent(e);
      trackTaskEvent(e);
    } catch {
      /* a malformed event is ignored; the next reload corrects the list */
    }
  });
  es.addEventListener('project', (ev) => {
    try {
      onProjectEvent(JSON.parse((ev as MessageEvent<string>).data));
    } catch {
      /* ignored, as above */
    }
  });
  es.addEventListener('notification', (ev) => {
    try {
      receiveNotification(JSON.parse((ev as MessageEvent<string>).data) as NotificationEvent);
    } catch {
      /* ignored, as above */
    }
  });
}

export function disconnectLive(): void {
  generation++;
  clearTimeout(retryTimer);
  source?.close();
  source = null;
  everConnected = false;
  missed = false;
  setState({ live: 'off' });
}

export async function loadNotifications(): Promise<void> {
  try {
    const { items, unread } = await api.notifications();
    setState({ notifications: items, unread });
  } catch {
    /* the bell keeps its last state */
  }
}

/** Announced (toast, browser notification) once per page, even if the inbox load saw it first. */
const announced = new Set<string>();

function receiveNotification(n: NotificationEvent): void {
  if (announced.has(n.notification_id)) return; // delivery is at-least-once
  announced.add(n.notification_id);
  const s = getState();
  const listed = s.notifications.find((x) => x.id === n.notification_id);
  if (listed?.read) return; // read elsewhere already
  const item: AppNotification = listed ?? {
    id: n.notification_id,
    type: n.type,
    task_id: n.task_id,
    title: n.title,
    body: n.body,
    due_date: n.due_date,
    remind_at: n.remind_at,
    late: n.late ?? false,
    created_at: n.timestamp,
    read: false,
    read_at: null,
  };
  if (!listed) setState({ notifications: [item, ...s.notifications].slice(0, 100), unread: s.unread + 1 });
  toast(`${n.title}: ${n.body}`);
  void showSystemNotification(item);
}

export async function markRead(id: string): Promise<void> {
  const s = getState();
  const n = s.notifications.find((x) => x.id === id);
  if (n?.read) return;
  // not listed (yet): a browser notification acted on before the inbox loaded is still marked read
  if (n)
    setState({ notifications: s.notifications.map((x) => (x.id === id ? { ...x, read: true } : x)), unread: Math.max(0, s.unread - 1) });
  try {
    await api.markRead(id);
    if (!n) void loadNotifications();
  } catch {
    void loadNotifications();
  }
}

export async function markAllRead(): Promise<void> {
  setState((s) => ({ notifications: s.notifications.map((x) => ({ ...x, read: true })), unread: 0 }));
  try {
    await api.markAllRead();
  } catch {
    void loadNotifications();
  }
}
