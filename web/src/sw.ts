/**
 * The service worker (built to `/sw.js`, scope: the app). It only routes clicks on reminder
 * notifications back to the app: it holds no token and stores nothing. Snooze / Complete / a plain
 * click are posted to an app window (an open one, else one opened for it), which calls the API
 * with the session it already has (system-notifications.ts). Never through the URL: a link anyone
 * can craft must not complete a task. No fetch handler: the app is always loaded from the network.
 * No imports either: a shared chunk would make this a module worker, which not every browser runs.
 */

/** Mirrored in system-notifications.ts (the browser tests exercise both ends). */
const ACTION_MESSAGE = 'taskstream:notification-action';
type NoteAction = 'snooze' | 'complete' | 'open';
interface NoteData {
  notification_id: string;
  task_id: number;
  /** whose reminder: another account may be signed in by the time it is clicked */
  user_id: string;
}

// lib.webworker clashes with the app's DOM lib, so the few worker types used here are declared locally
interface AppWindow {
  focused: boolean;
  focus(): Promise<unknown>;
  postMessage(message: unknown): void;
}
interface WaitEvent extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface NoteClickEvent extends WaitEvent {
  action: string;
  notification: Notification;
}
interface WorkerScope {
  registration: { scope: string };
  clients: {
    matchAll(o: { type: 'window'; includeUncontrolled: boolean }): Promise<AppWindow[]>;
    openWindow(url: string): Promise<AppWindow | null>;
    claim(): Promise<void>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', fn: (e: WaitEvent) => void): void;
  addEventListener(type: 'notificationclick', fn: (e: NoteClickEvent) => void): void;
}

const sw = self as unknown as WorkerScope;

// a new version takes over at once: it has no cache whose consistency a gradual rollout would protect
sw.addEventListener('install', (e) => e.waitUntil(sw.skipWaiting()));
sw.addEventListener('activate', (e) => e.waitUntil(sw.clients.claim()));

sw.addEventListener('notificationclick', (e) => {
  const data = e.notification.data as Partial<NoteData> | null;
  e.notification.close();
  if (typeof data?.notification_id !== 'string' || typeof data.task_id !== 'number' || typeof data.user_id !== 'string') return;
  const action: NoteAction = e.action === 'snooze' || e.action === 'complete' ? e.action : 'open';
  e.waitUntil(deliver(action, { notification_id: data.notification_id, task_id: data.task_id, user_id: data.user_id }));
});

async function deliver(action: NoteAction, data: NoteData): Promise<void> {
  const windows = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const open = windows.find((w) => w.focused) ?? windows[0];
  // openWindow resolves once the page has loaded: its listener is in place (registerWorker)
  const win = open ?? (await sw.clients.openWindow(`${sw.registration.scope}#/`));
  if (!win) return;
  win.postMessage({ type: ACTION_MESSAGE, action, ...data });
  // Snooze and Complete run in the background tab; only a plain click brings the app forward.
  // focus() is refused outside a real click (a synthetic event): the message is already delivered.
  if (action === 'open') await win.focus().catch(() => undefined);
}
