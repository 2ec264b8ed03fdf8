/**
 * The service worker (built to `/sw.js`, scope: the app). Two jobs:
 * - The app shell offline: the build's own files (index.html, every chunk's scripts and styles,
 *   the manifest and icons) are stored at install and served from here — the page network first
 *   (a deploy shows at once) with the stored copy when the network fails, the hashed files cache
 *   first. Nothing else is touched: no API response, so no user's data is ever stored here and
 *   nothing can outlive a sign-out or reach another account on this device.
 * - Clicks on reminder notifications, routed back to the app: it holds no token. Snooze / Complete /
 *   a plain click are posted to an app window (an open one, else one opened for it), which calls the
 *   API with the session it already has (system-notifications.ts). Never through the URL: a link
 *   anyone can craft must not complete a task.
 * No imports: a shared chunk would make this a module worker, which not every browser runs.
 */

/**
 * The shell's files relative to the scope, and a version from their content: written in by the
 * build (vite.config.ts, `shellFiles`). Free globals, so no minifier renames them; the build fails
 * if it finds them missing.
 */
declare const __SHELL_FILES__: string[];
declare const __SHELL_VERSION__: string;
const CACHE = `taskstream-shell-${__SHELL_VERSION__}`;
const SHELL = new Set(__SHELL_FILES__);

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
interface FetchEvent extends WaitEvent {
  request: Request;
  respondWith(r: Promise<Response>): void;
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
  addEventListener(type: 'fetch', fn: (e: FetchEvent) => void): void;
}

const sw = self as unknown as WorkerScope;
const scope = () => new URL(sw.registration.scope);

// install: this build's whole shell or nothing (addAll fails as a unit, and the worker before stays);
// the HTTP cache is bypassed so a stale index.html cannot pair with new scripts
sw.addEventListener('install', (e) =>
  e.waitUntil(
    caches
      .open(CACHE)
      .then((c) => c.addAll([...SHELL].map((f) => new Request(new URL(f, scope()), { cache: 'reload' }))))
      .then(() => sw.skipWaiting()),
  ),
);

// activate: at once, and earlier builds' shells go (their hashed files are gone from the server too)
sw.addEventListener('activate', (e) =>
  e.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('taskstream-shell-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => sw.clients.claim()),
  ),
);

const fromShell = (file: string): Promise<Response | undefined> => caches.open(CACHE).then((c) => c.match(new URL(file, scope())));

sw.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  const root = scope();
  if (url.origin !== root.origin || !url.pathname.startsWith(root.pathname)) return;
  const file = url.pathname.slice(root.pathname.length);
  if (req.mode === 'navigate') {
    if (file !== '' && file !== 'index.html') return; // /docs and the rest are the server's alone
    e.respondWith(fetch(req).catch(async () => (await fromShell('index.html')) ?? Response.error()));
  } else if (SHELL.has(file)) {
    e.respondWith(fromShell(file).then((hit) => hit ?? fetch(req)));
  }
});

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
