/**
 * Browser (system) notifications for reminders, shown through the service worker (web/src/sw.ts)
 * so they carry Snooze and Complete actions. The worker never sees the token: it posts a click to
 * an app window (opening one if needed) and the page calls the API with its session. Permission
 * is only ever asked from a click (the button in the notification center), never on load.
 */
import type { AppNotification } from './api';
import { markRead } from './live';
import { completeTask, isReminder, snooze } from './reminders';
import { getState, toast } from './store';

/** Mirrored in sw.ts. */
const ACTION_MESSAGE = 'taskstream:notification-action';
type NoteAction = 'snooze' | 'complete' | 'open';
const SNOOZE_MINUTES = 10; // the notification's "Snooze 10 min" button

export const notificationsSupported = () => typeof Notification !== 'undefined';
const workersSupported = () => 'serviceWorker' in navigator;

/** From a click only: browsers block (and users resent) a prompt nobody asked for. */
export async function enableSystemNotifications(): Promise<NotificationPermission> {
  if (!notificationsSupported()) return 'denied';
  return Notification.requestPermission();
}

/** Registering asks nothing of the user; the worker is in place before the first reminder. */
export function registerWorker(): void {
  if (!workersSupported()) return;
  navigator.serviceWorker.addEventListener('message', (e: MessageEvent) => {
    const d = e.data as { type?: unknown; action?: unknown; notification_id?: unknown; task_id?: unknown; user_id?: unknown } | null;
    if (d?.type !== ACTION_MESSAGE || typeof d.notification_id !== 'string' || typeof d.task_id !== 'number') return;
    if (d.action === 'snooze' || d.action === 'complete' || d.action === 'open')
      runAction(d.action, d.notification_id, d.task_id, d.user_id);
  });
  navigator.serviceWorker.startMessages(); // a window the worker opened for a click gets it now
  navigator.serviceWorker.register('./sw.js', { scope: './' }).catch(() => {
    /* no worker (e.g. private mode): reminders still show, without action buttons */
  });
}

/** `userId`: whose reminder it was when shown; someone else may be signed in by now. */
function runAction(action: NoteAction, id: string, taskId: number, userId: unknown): void {
  if (userId !== getState().session?.userId) {
    toast('This reminder belongs to another account: sign in to it to act on it.', { tone: 'error' });
    return;
  }
  const note = { id, task_id: taskId };
  if (action === 'snooze') void snooze(note, SNOOZE_MINUTES);
  else if (action === 'complete') void completeTask(note);
  else {
    location.hash = `#/tasks/${taskId}`;
    void markRead(id);
  }
}

let showing: Promise<void> = Promise.resolve();

/** Shown when the tab is hidden or unfocused: the in-page toast covers the visible case. */
export async function showSystemNotification(n: AppNotification): Promise<void> {
  if (!notificationsSupported() || Notification.permission !== 'granted') return;
  if (document.visibilityState === 'visible' && document.hasFocus()) return;
  const reg = workersSupported() ? await navigator.serviceWorker.getRegistration() : undefined;
  // one per task: a snoozed reminder firing again replaces the earlier one, and open tabs share it
  const data = { notification_id: n.id, task_id: n.task_id, user_id: getState().session?.userId };
  // tagged by reminder: open tabs showing the same one replace each other (silently), while a
  // task's next reminder (1 day before → 15 minutes before, a snooze firing) alerts on its own
  const options = { body: n.body, tag: `reminder-${n.id}`, data };
  if (reg?.active) {
    const actions = isReminder(n)
      ? [
          { action: 'snooze', title: `Snooze ${SNOOZE_MINUTES} min` },
          { action: 'complete', title: 'Complete' },
        ]
      : [];
    // `actions` is valid only here (not for `new Notification`), so lib.dom leaves it out. One at a
    // time: Chromium was seen to keep only one of two notifications shown in the same moment.
    const show = () => showConfirmed(reg, n.title, { ...options, actions } as NotificationOptions & { tag: string }).catch(() => undefined);
    showing = showing.then(show);
    await showing;
    return;
  }
  try {
    const sys = new Notification(n.title, options);
    sys.onclick = () => {
      window.focus();
      if (n.task_id === null) location.hash = '#/';
      else runAction('open', n.id, n.task_id, data.user_id);
    };
  } catch {
    /* some platforms only allow notifications from a service worker */
  }
}

const SHOW_ATTEMPTS = 3;

/**
 * Chromium was also seen to drop a notification it had just resolved as shown (1 run in ~5 of the
 * browser tests: none listed right after, nor 15 s later), so the page checks that it is listed and
 * asks again if not. The same tag replaces rather than adds: never two of one reminder.
 */
async function showConfirmed(reg: ServiceWorkerRegistration, title: string, options: NotificationOptions & { tag: string }): Promise<void> {
  for (let attempt = 1; attempt <= SHOW_ATTEMPTS; attempt++) {
    await reg.showNotification(title, options);
    if ((await reg.getNotifications({ tag: options.tag })).length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
  }
}

/**
 * Close shown reminders: all of them on sign-out (task titles must not outlive the session), or
 * the one acted on in the page (its buttons would act a second time).
 */
export async function closeSystemNotifications(notificationId?: string): Promise<void> {
  const reg = workersSupported() ? await navigator.serviceWorker.getRegistration() : undefined;
  for (const n of (await reg?.getNotifications()) ?? []) {
    if (notificationId === undefined || (n.data as { notification_id?: string } | null)?.notification_id === notificationId) n.close();
  }
}
