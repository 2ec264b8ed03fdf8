/**
 * Reminders you can act on, in the browser: Snooze and Complete in the notification center, and
 * browser notifications shown by the service worker, whose click handler hands the action back to
 * the page (the worker holds no token). The real service in-process, Debian's Chromium.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Browser, BrowserContext, Page, Worker } from 'playwright-core';
import { client, eventually as poll, signUp, type Session, type TestApp } from '../support/app.js';
import { newContext, shot, signedInPage, WEB_TEST_ENV, serviceAndBrowser } from './browser.js';

let app: TestApp;
let browser: Browser;

serviceAndBrowser(WEB_TEST_ENV, (a, b) => ([app, browser] = [a, b]));

/** Reminders fire ~1.5 s after they are set; on a loaded machine the rest of the way can take a while. */
const eventually = <T>(check: () => Promise<T | undefined | null | false>) => poll(check, { timeoutMs: 15_000, intervalMs: 50 });

interface Note {
  id: string;
  title: string;
  task_id: number;
  type: string;
  read: boolean;
  body: string;
  snoozed_until?: string | null;
}

/** A task whose reminder fires in about a second (the embedded clock fires within 1 s). */
async function taskWithReminder(s: Session, title: string): Promise<number> {
  const at = new Date(Date.now() + 1500).toISOString();
  const res = await client(app.url, s.token).post(`/api/${s.userId}/tasks`, {
    title,
    due_date: new Date(Date.now() + 3600_000).toISOString(),
    reminders: [{ at }],
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id;
}

const notes = async (s: Session) => (await client(app.url, s.token).get<Note[]>(`/api/${s.userId}/notifications`)).body;
const noteOf = async (s: Session, taskId: number) => eventually(async () => (await notes(s)).find((n) => n.task_id === taskId));
const getTask = async (s: Session, id: number) => client(app.url, s.token).get(`/api/${s.userId}/tasks/${id}`);

const row = (page: Page, title: string) =>
  page.locator('[data-testid="task-row"]', { has: page.locator('.task-title', { hasText: title }) });

/** The panel's entry for a reminder, found by the task title in its text. */
const entry = (page: Page, title: string) => page.locator('[data-testid="notifications"] li', { hasText: title });

async function openPanel(page: Page): Promise<void> {
  await page.getByTestId('bell').click();
  await page.locator('#notification-panel').waitFor();
}

describe('reminder actions in the notification center', () => {
  test('Snooze from the panel (keyboard): the API is called, the reminder shows as snoozed and read', async () => {
    const s = await signUp(app.url, 'snooze');
    const taskId = await taskWithReminder(s, 'Call the plumber');
    const note = await noteOf(s, taskId);
    const context = await newContext(browser);
    const page = await signedInPage(context, app.url, s);
    await page.getByTestId('unread-count').waitFor();
    await openPanel(page);
    const li = entry(page, 'Call the plumber');
    await li.waitFor();

    // keyboard: the toggle opens the presets with focus on the first; Escape closes only the menu
    await li.getByRole('button', { name: 'Snooze', exact: true }).focus();
    await page.keyboard.press('Enter');
    const presets = li.getByRole('group', { name: 'Snooze for' });
    await eventually(() => page.evaluate<boolean>(`document.activeElement?.textContent === '10 min'`)); // (waitForFunction evals: the CSP forbids it)
    assert.deepEqual(await presets.getByRole('button').allTextContents(), ['10 min', '1 hour', '3 hours', 'Tomorrow']);
    await shot(page, 'notifications-snooze-menu-desktop');
    await page.keyboard.press('Escape');
    await presets.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate<string>('document.activeElement?.textContent'), 'Snooze');
    assert.equal(await page.locator('#notification-panel').count(), 1, 'the panel stays open');

    await page.keyboard.press('Enter');
    await eventually(() => page.evaluate<boolean>(`document.activeElement?.textContent === '10 min'`)); // (waitForFunction evals: the CSP forbids it)
    await page.keyboard.press('Tab'); // → "1 hour"
    const call = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(`/notifications/${note.id}/snooze`));
    const reply = page.waitForResponse((r) => r.url().endsWith(`/notifications/${note.id}/snooze`));
    await page.keyboard.press('Enter');
    assert.deepEqual((await call).postDataJSON(), { minutes: 60 });
    assert.equal((await reply).status(), 200);
    // announced in the live region, and shown on the entry
    await page
      .locator('.toasts[role="status"]')
      .getByText(/^Snoozed until \d\d:\d\d$/)
      .waitFor();
    const until = (await (await reply).json()).snoozed_until as string;
    assert.ok(Math.abs(new Date(until).getTime() - (Date.now() + 3600_000)) < 60_000, `snoozed_until ${until} is about an hour away`);
    await li.getByTestId('snoozed').waitFor();
    assert.match((await li.getByTestId('snoozed').textContent()) ?? '', /^Snoozed until \d\d:\d\d$/);
    await page.getByTestId('unread-count').waitFor({ state: 'detached' });
    await eventually(async () => (await noteOf(s, taskId)).read); // acting on it marked it read on the server
    await shot(page, 'notifications-snoozed-desktop');
    await context.close();
  });

  test('Complete from the panel completes the task; completed and deleted tasks offer no Complete', async () => {
    const s = await signUp(app.url, 'complete');
    const api = client(app.url, s.token);
    const [doneId, goneId, openId] = await Promise.all([
      taskWithReminder(s, 'Renew the passport'),
      taskWithReminder(s, 'Cancel the gym'),
      taskWithReminder(s, 'Pay the phone bill'),
    ]);
    await Promise.all([doneId, goneId, openId].map((id) => noteOf(s, id)));
    // changed elsewhere before the page opens: one completed, one deleted
    assert.equal((await api.patch(`/api/${s.userId}/tasks/${doneId}/complete`, { completed: true })).status, 200);
    assert.equal((await api.del(`/api/${s.userId}/tasks/${goneId}`)).status, 204);

    const context = await newContext(browser);
    const page = await signedInPage(context, app.url, s);
    await openPanel(page);
    await entry(page, 'Renew the passport').getByText('Task completed').waitFor();
    await entry(page, 'Cancel the gym').getByText('Task deleted').waitFor();
    for (const title of ['Renew the passport', 'Cancel the gym'])
      assert.equal(await entry(page, title).getByRole('button', { name: 'Complete' }).count(), 0, `no Complete on “${title}”`);

    const li = entry(page, 'Pay the phone bill');
    await li.getByRole('button', { name: 'Complete', exact: true }).waitFor();
    await shot(page, 'notifications-actions-desktop');
    await li.getByRole('button', { name: 'Complete', exact: true }).click();
    await page.locator('.toasts[role="status"]').getByText('Completed “Pay the phone bill”').waitFor();
    await li.getByText('Task completed').waitFor();
    await shot(page, 'notifications-completed-desktop');
    assert.equal((await getTask(s, openId)).body.completed, true);
    await eventually(async () => (await noteOf(s, openId)).read);
    // focus stays in the panel, on the reminder that was acted on
    assert.equal(
      await page.evaluate<string>(`document.activeElement?.closest('li')?.querySelector('.note-body')?.textContent ?? ''`),
      (await noteOf(s, openId)).body,
    );
    await context.close();
  });

  test('every button in the panel is named by its visible label (label-content-name-mismatch)', async () => {
    const s = await signUp(app.url, 'names');
    const taskId = await taskWithReminder(s, 'Water the ficus');
    await noteOf(s, taskId);
    const context = await newContext(browser);
    const page = await signedInPage(context, app.url, s);
    await openPanel(page);
    const li = entry(page, 'Water the ficus');
    await li.getByRole('button', { name: 'Snooze', exact: true }).click();
    await li.getByRole('group', { name: 'Snooze for' }).waitFor();
    const buttons = page.locator('#notification-panel button');
    const count = await buttons.count();
    assert.ok(count >= 8, `buttons found: ${count}`);
    for (let i = 0; i < count; i++) {
      const b = buttons.nth(i);
      const visible = ((await b.innerText()) ?? '').trim();
      const name = /button "([^"]*)"/.exec(await b.ariaSnapshot())?.[1] ?? '';
      assert.ok(visible && name.toLowerCase().includes(visible.toLowerCase()), `button “${visible}” is named “${name}”`);
    }
    await context.close();
  });
});

describe('browser notifications through the service worker', () => {
  /** Permission granted, the tab in the background (so reminders go to the system, not a toast). */
  async function backgroundPage(s: Session): Promise<{ context: BrowserContext; page: Page; worker: Worker }> {
    const context = await newContext(browser);
    await context.grantPermissions(['notifications'], { origin: app.url });
    await context.addInitScript({ content: `document.hasFocus = () => false;` });
    const workerSeen = context.waitForEvent('serviceworker');
    const page = await signedInPage(context, app.url, s);
    const worker = context.serviceWorkers()[0] ?? (await workerSeen);
    assert.equal(worker.url(), `${app.url}/sw.js`);
    // active and in control of the page, at the app's root scope
    assert.equal(await page.evaluate<string>('navigator.serviceWorker.ready.then((r) => r.scope)'), `${app.url}/`);
    await page.locator('.live-live').waitFor();
    return { context, page, worker };
  }

  /** The shown notifications, read in the worker: what the user would see. */
  const shown = (worker: Worker) =>
    worker.evaluate(
      `self.registration.getNotifications().then((ns) => ns.map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data, actions: n.actions.map((a) => ({ action: a.action, title: a.title })) })))`,
    ) as Promise<
      {
        title: string;
        body: string;
        tag: string;
        data: { notification_id: string; task_id: number; user_id: string };
        actions: { action: string; title: string }[];
      }[]
    >;

  type Shown = Awaited<ReturnType<typeof shown>>;
  /** Wait until the shown reminders pass `ok`; on a timeout, say what the page saw (inbox, worker, stream). */
  async function waitShown(page: Page, worker: Worker, ok: (l: Shown) => boolean): Promise<Shown> {
    try {
      return await eventually(async () => {
        const l = await shown(worker);
        return ok(l) && l;
      });
    } catch (err) {
      const seen = await page.evaluate(
        `Promise.all([document.querySelector('[data-testid="unread-count"]')?.textContent ?? '0', navigator.serviceWorker.getRegistration().then((r) => Boolean(r?.active)), navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((ns) => ns.length), document.querySelector('.live')?.className]).then(JSON.stringify)`,
      );
      const list = await shown(worker).catch((e: unknown) => String(e));
      throw new Error(`${String(err)}; worker shows ${JSON.stringify(list)}; page [unread, worker active, shown, live] ${seen}`, {
        cause: err,
      });
    }
  }

  /** What the OS does when the user clicks the notification (or one of its buttons). */
  const click = (worker: Worker, taskId: number, action: string) =>
    worker.evaluate(`self.registration.getNotifications().then((ns) => {
      const n = ns.find((x) => x.data?.task_id === ${taskId});
      if (!n) throw new Error('no notification of task ${taskId}');
      self.dispatchEvent(new NotificationEvent('notificationclick', { notification: n, action: ${JSON.stringify(action)} }));
    })`);

  test('a reminder arriving live is shown with Snooze and Complete; Complete and a plain click are handed to the page', async () => {
    const s = await signUp(app.url, 'sw');
    const { context, page, worker } = await backgroundPage(s);
    const [completeId, openId] = await Promise.all([taskWithReminder(s, 'Send the invoice'), taskWithReminder(s, 'Book the flights')]);
    const list = await waitShown(page, worker, (l) => l.length === 2);
    const first = list.find((n) => n.data.task_id === completeId) ?? assert.fail(`no notification for task ${completeId}`);
    assert.equal(first.title, (await noteOf(s, completeId)).title);
    assert.match(first.body, /Send the invoice/);
    assert.equal(first.tag, `reminder-${first.data.notification_id}`, 'open tabs showing it replace one another');
    assert.equal(first.data.notification_id, (await noteOf(s, completeId)).id);
    assert.equal(first.data.user_id, s.userId);
    assert.deepEqual(first.actions, [
      { action: 'snooze', title: 'Snooze 10 min' },
      { action: 'complete', title: 'Complete' },
    ]);

    // Complete: the page (not the worker) calls the API with its token
    const completed = page.waitForResponse((r) => r.url().endsWith(`/tasks/${completeId}/complete`));
    await click(worker, completeId, 'complete');
    const res = await completed;
    assert.equal(res.status(), 200);
    assert.deepEqual(res.request().postDataJSON(), { completed: true });
    assert.match(res.request().headers().authorization ?? '', /^Bearer /);
    assert.equal((await getTask(s, completeId)).body.completed, true);
    await eventually(async () => (await noteOf(s, completeId)).read);
    assert.equal((await shown(worker)).filter((n) => n.data.task_id === completeId).length, 0, 'the clicked notification is closed');

    // a plain click opens that task in the app and changes nothing
    await click(worker, openId, '');
    await page.getByRole('dialog', { name: 'Edit task' }).waitFor();
    assert.equal(await page.evaluate<string>('location.hash'), `#/tasks/${openId}`);
    assert.equal(await page.getByLabel('Title').inputValue(), 'Book the flights');
    await eventually(async () => (await noteOf(s, openId)).read);
    assert.equal((await getTask(s, openId)).body.completed, false);
    await context.close();
  });

  test('Snooze 10 min on the browser notification: the page calls the API; the panel shows it snoozed', async () => {
    const s = await signUp(app.url, 'sw-snooze');
    const { context, page, worker } = await backgroundPage(s);
    const taskId = await taskWithReminder(s, 'Defrost the freezer');
    const [n] = await waitShown(page, worker, (l) => l.length === 1);
    const noteId = n?.data.notification_id;
    const snoozed = page.waitForResponse((r) => r.url().endsWith(`/notifications/${noteId}/snooze`));
    await click(worker, taskId, 'snooze');
    const res = await snoozed;
    assert.equal(res.status(), 200);
    assert.deepEqual(res.request().postDataJSON(), { minutes: 10 });
    assert.match(res.request().headers().authorization ?? '', /^Bearer /);
    await eventually(async () => (await noteOf(s, taskId)).read);
    assert.equal((await shown(worker)).length, 0, 'the clicked notification is closed');
    await openPanel(page);
    await entry(page, 'Defrost the freezer').getByTestId('snoozed').waitFor();
    assert.equal((await getTask(s, taskId)).body.completed, false);
    await page.keyboard.press('Escape');

    // completed on another device after the notification was shown: the API refuses (409), the page says so
    const doneId = await taskWithReminder(s, 'Descale the kettle');
    await waitShown(page, worker, (l) => l.some((x) => x.data.task_id === doneId));
    const done = await client(app.url, s.token).patch(`/api/${s.userId}/tasks/${doneId}/complete`, { completed: true });
    assert.equal(done.status, 200);
    const refused = page.waitForResponse((r) => r.url().endsWith('/snooze'));
    await click(worker, doneId, 'snooze');
    assert.equal((await refused).status(), 409);
    await page.getByText('Nothing to snooze: this task is already completed or deleted.').waitFor();
    await context.close();
  });

  test('acting on a reminder in the panel closes its browser notification', async () => {
    const s = await signUp(app.url, 'sw-panel');
    const { context, page, worker } = await backgroundPage(s);
    const [doneId, keptId] = await Promise.all([taskWithReminder(s, 'Water the roses'), taskWithReminder(s, 'Oil the hinges')]);
    await waitShown(page, worker, (l) => l.length === 2);
    await openPanel(page);
    await entry(page, 'Water the roses').getByRole('button', { name: 'Complete', exact: true }).click();
    await entry(page, 'Water the roses').getByText('Task completed').waitFor();
    await eventually(async () => {
      const tasks = (await shown(worker)).map((n) => n.data.task_id);
      return tasks.length === 1 && tasks[0] === keptId;
    });
    assert.equal((await getTask(s, doneId)).body.completed, true);
    await context.close();
  });

  test('an action in a link does nothing: only the worker can ask the page to act', async () => {
    const s = await signUp(app.url, 'sw-url');
    const taskId = await taskWithReminder(s, 'Return the library books');
    const note = await noteOf(s, taskId);
    const context = await newContext(browser);
    const requests: string[] = [];
    // (a new access token or stream ticket is no write to the account's data)
    context.on(
      'request',
      (r) => void (r.method() !== 'GET' && !/\/(stream-ticket|auth\/refresh)$/.test(r.url()) && requests.push(`${r.method()} ${r.url()}`)),
    );
    const crafted = `?notification_action=complete&notification=${note.id}&task=${taskId}#/`;
    const page = await signedInPage(context, app.url, s, crafted);
    await page.locator('.live-live').waitFor();
    await row(page, 'Return the library books').waitFor();
    assert.deepEqual(requests, [], 'nothing but reads');
    assert.equal((await getTask(s, taskId)).body.completed, false);
    assert.equal((await noteOf(s, taskId)).read, false);
    await context.close();
  });

  test('a reminder of another account is not acted on; signing out clears the shown reminders', async () => {
    const s = await signUp(app.url, 'sw-account');
    const other = await signUp(app.url, 'sw-other');
    const otherTask = await taskWithReminder(other, 'Feed the neighbour’s cat');
    const otherNote = await noteOf(other, otherTask);
    const { context, page, worker } = await backgroundPage(s);
    // left over from the other account, signed in earlier in this browser
    await worker.evaluate(
      `self.registration.showNotification('Task Due Soon', { tag: 'reminder-${otherNote.id}', data: ${JSON.stringify({ notification_id: otherNote.id, task_id: otherTask, user_id: other.userId })} })`,
    );
    const writes: string[] = [];
    // (a new access token or stream ticket is no write to the account's data)
    page.on(
      'request',
      (r) => void (r.method() !== 'GET' && !/\/(stream-ticket|auth\/refresh)$/.test(r.url()) && writes.push(`${r.method()} ${r.url()}`)),
    );
    await click(worker, otherTask, 'complete');
    await page.getByText('This reminder belongs to another account: sign in to it to act on it.').waitFor();
    assert.deepEqual(writes, []);
    assert.equal((await getTask(other, otherTask)).body.completed, false);

    const mine = await taskWithReminder(s, 'Take out the bins');
    await waitShown(page, worker, (l) => l.some((n) => n.data.task_id === mine));
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await waitShown(page, worker, (l) => l.length === 0);
    await context.close();
  });

  test('permission is asked only from the button in the notification center, never on load', async () => {
    const s = await signUp(app.url, 'perm');
    const context = await newContext(browser);
    await context.addInitScript({
      content: `window.__asked = 0; Notification.requestPermission = () => { window.__asked++; return Promise.resolve('granted'); };`,
    });
    const page = await signedInPage(context, app.url, s);
    await page.locator('.live-live').waitFor();
    assert.equal(await page.evaluate<number>('window.__asked'), 0);
    await openPanel(page);
    await page.getByRole('button', { name: 'Enable browser notifications' }).click();
    await page.getByRole('button', { name: 'Enable browser notifications' }).waitFor({ state: 'detached' });
    assert.equal(await page.evaluate<number>('window.__asked'), 1);
    await context.close();
  });
});
