/**
 * The live stream (SSE): task events patch the list, notification events feed the inbox, the
 * unread badge and — once the user allowed it — the browser's Notification API. After a
 * reconnect the list and inbox are refetched, since events may have been missed meanwhile.
 */
import { api, type AppNotification, type NotificationEvent, type TaskEvent } from './api';
import { getState, setState, toast } from './store';
import { applyTaskEvent, reload } from './tasks';

let source: EventSource | null = null;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let everConnected = false;

export function connectLive(): void {
  disconnectLive();
  if (!getState().session) return;
  setState({ live: 'connecting' });
  const es = new EventSource(api.streamUrl());
  source = es;
  es.addEventListener('open', () => {
    if (source !== es) return;
    if (everConnected) {
      void reload({ keepCount: true });
      void loadNotifications();
    }
    everConnected = true;
    setState({ live: 'live' });
  });
  es.addEventListener('error', () => {
    if (source !== es) return;
    setState({ live: 'reconnecting' });
    // EventSource retries by itself unless the server refused the stream (e.g. token expired)
    if (es.readyState === EventSource.CLOSED) {
      clearTimeout(retryTimer);
      retryTimer = setTimeout(connectLive, 3000);
    }
  });
  es.addEventListener('task', (ev) => {
    try {
      applyTaskEvent(JSON.parse((ev as MessageEvent<string>).data) as TaskEvent);
    } catch {
      /* a malformed event is ignored; the next reload corrects the list */
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
  clearTimeout(retryTimer);
  source?.close();
  source = null;
  everConnected = false;
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

function receiveNotification(n: NotificationEvent): void {
  const s = getState();
  if (s.notifications.some((x) => x.id === n.notification_id)) return;
  const item: AppNotification = {
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
  setState({ notifications: [item, ...s.notifications].slice(0, 100), unread: s.unread + 1 });
  toast(`${n.title}: ${n.body}`);
  showSystemNotification(item);
}

export const notificationsSupported = () => typeof Notification !== 'undefined';

export async function enableSystemNotifications(): Promise<NotificationPermission> {
  if (!notificationsSupported()) return 'denied';
  return Notification.requestPermission();
}

function showSystemNotification(n: AppNotification): void {
  if (!notificationsSupported() || Notification.permission !== 'granted') return;
  // the in-page toast is enough while the user is looking at the page
  if (document.visibilityState === 'visible' && document.hasFocus()) return;
  try {
    const sys = new Notification(n.title, { body: n.body, tag: n.id });
    sys.onclick = () => {
      window.focus();
      location.hash = `#/tasks/${n.task_id}`;
      void markRead(n.id);
    };
  } catch {
    /* some platforms only allow notifications from a service worker */
  }
}

export async function markRead(id: string): Promise<void> {
  const s = getState();
  const n = s.notifications.find((x) => x.id === id);
  if (!n || n.read) return;
  setState({ notifications: s.notifications.map((x) => (x.id === id ? { ...x, read: true } : x)), unread: Math.max(0, s.unread - 1) });
  try {
    await api.markRead(id);
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
