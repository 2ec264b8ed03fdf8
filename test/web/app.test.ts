/**
 * The web app end to end: the real service (embedded mode, temp data folder) in this process, the built
 * app at `/`, Debian's Chromium. Every wait is for a condition in the page, never a fixed sleep.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { client, eventually, signUp, type TestApp } from '../support/app.js';
import { newContext, shot, signedInPage, wallClock, WEB_TEST_ENV, ZONE, serviceAndBrowser } from './browser.js';

let app: TestApp;
let browser: Browser;

serviceAndBrowser(WEB_TEST_ENV, (a, b) => ([app, browser] = [a, b]));

const row = (page: Page, title: string) =>
  page.locator('[data-testid="task-row"]', { has: page.locator('.task-title', { hasText: title }) });

describe('web app', () => {
  test('sign up, reload keeps the session, sign out and back in', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(app.url + '/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shot(page, 'signin-desktop');
    await page.getByRole('link', { name: 'Create an account' }).click();
    const email = `web-${Date.now()}@example.com`;
    await page.getByLabel('Name (optional)').fill('Ada');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'To do' }).waitFor();
    await page.getByText('All clear!').waitFor();
    await page.locator('.live-live').waitFor();
    await shot(page, 'list-empty-desktop');

    // new accounts adopt the browser's zone
    // no token in the page's storage (the access token lives in memory, the refresh token in an HttpOnly cookie)
    const stored = await page.evaluate<string>('JSON.stringify({ ...localStorage })');
    assert.doesNotMatch(stored, /eyJ/, 'no JWT in localStorage');
    assert.equal(await page.evaluate<string>('document.cookie'), '', 'no cookie a script can read');
    const account = JSON.parse(await page.evaluate<string>(`localStorage.getItem('taskstream.account') ?? '{}'`));
    const login = await client(app.url).post('/api/auth/login', { email, password: 'correct horse battery' });
    const prefs = await client(app.url, login.body.access_token).get(`/api/${account.userId}/preferences`);
    assert.equal(prefs.body.timezone, ZONE);

    await page.reload();
    await page.getByRole('heading', { name: 'To do' }).waitFor();
    assert.equal(await page.locator('.account').textContent(), email);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('wrong password!');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.form-error').waitFor();
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'To do' }).waitFor();
    await context.close();
  });

  test('a validation error from the API is shown next to its field', async () => {
    const s = await signUp(app.url, 'invalid');
    const context = await newContext(browser);
    const page = await signedInPage(context, app.url, s, '#/tasks/new');
    await page.getByRole('dialog', { name: 'New task' }).waitFor();
    await page.getByLabel('Title').fill('x'.repeat(201));
    await page.getByRole('button', { name: 'Add task' }).click();
    const err = page.locator('#err-title');
    await err.waitFor();
    assert.match((await err.textContent()) ?? '', /200/);
    assert.equal(await page.getByLabel('Title').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('Title').getAttribute('aria-describedby'), 'err-title');
    // the invalid field has focus, so keyboard users land on it
    assert.equal(await page.evaluate<string>('document.activeElement?.id'), 'f-title');
    await shot(page, 'editor-validation-desktop');

    // a semantic check (not schema): a relative reminder needs a due date
    await page.getByLabel('Title').fill('Needs a due date');
    await page.getByRole('button', { name: 'Add reminder' }).click();
    await page.getByLabel('Reminder 1 type').selectOption('before');
    await page.getByRole('button', { name: 'Add task' }).click();
    await page.locator('#err-reminders-0').waitFor();
    assert.match((await page.locator('#err-reminders-0').textContent()) ?? '', /^Reminder 1 counts back from the due date/);
    assert.equal(await page.locator('#err-title').count(), 0);
    await context.close();
  });

  test('recurring task with a reminder: editor, reminder in the notification center, complete → next occurrence', async () => {
    const s = await signUp(app.url, 'recurring');
    await client(app.url, s.token).put(`/api/${s.userId}/preferences`, { timezone: ZONE });
    const context = await newContext(browser);
    // the browser's Notification API, granted, with the tab in the background: recorded, not shown
    // (through the service worker's registration, or directly before the worker is active); the
    // registration lists what it recorded, as a browser lists what it shows (the page checks that)
    await context.addInitScript({
      content: `window.__shown = [];
        window.Notification = class { static permission = 'granted'; static requestPermission() { return Promise.resolve('granted'); }
          constructor(title, o) { window.__shown.push({ title, body: o && o.body }); } };
        ServiceWorkerRegistration.prototype.showNotification = function (title, o) {
          window.__shown.push({ title, body: o && o.body, tag: o && o.tag, data: o && o.data, close() {} });
          return Promise.resolve();
        };
        ServiceWorkerRegistration.prototype.getNotifications = function (f) {
          return Promise.resolve(window.__shown.filter((n) => !f || !f.tag || n.tag === f.tag));
        };
        document.hasFocus = () => false;`,
    });
    const page = await signedInPage(context, app.url, s);
    await page.locator('.live-live').waitFor();

    await page.getByRole('link', { name: /Details/ }).click();
    const dialog = page.getByRole('dialog', { name: 'New task' });
    await dialog.waitFor();
    await page.getByLabel('Title').fill('Water the plants');
    await page.getByLabel('Description').fill('Balcony first, then the ficus.');
    await page.getByLabel('Priority').selectOption('high');
    await page.getByLabel('Tags').fill('home');
    await page.getByLabel('Tags').press('Enter');
    const due = new Date(Date.now() + 2 * 3600_000);
    const [dueDate, dueTime] = wallClock(due).split('T') as [string, string];
    await page.getByLabel('Date', { exact: true }).fill(dueDate);
    await page.getByLabel('Time', { exact: true }).fill(dueTime.slice(0, 5));

    // custom recurrence: every 2 weeks on Monday and Wednesday (+ the due weekday), 5 times
    await page.getByLabel('Repeats').selectOption('custom');
    await page.getByLabel('Every', { exact: true }).fill('2');
    for (const day of ['Monday', 'Wednesday']) {
      const box = page.getByRole('checkbox', { name: day, exact: true });
      if (!(await box.isChecked())) await box.check();
    }
    await page.getByRole('radio', { name: 'After' }).check();
    await page.getByLabel('Number of times').fill('5');
    await page.getByRole('button', { name: 'Advanced options' }).click(); // the RRULE itself is behind it
    const rule = (await page.getByTestId('rrule').textContent()) ?? '';
    assert.match(rule, /^FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,.*WE.*;COUNT=5$/);
    await page.locator('[data-testid="preview"] li').nth(2).waitFor();
    assert.equal(await page.locator('[data-testid="preview"] li').count(), 3);

    // an absolute reminder a few seconds from now (the embedded clock fires within a second)
    await page.getByRole('button', { name: 'Add reminder' }).click();
    await page.getByLabel('Reminder 1 type').selectOption('at');
    await page.getByLabel(/Reminder 1 date and time/).fill(wallClock(new Date(Date.now() + 4000)));
    await shot(page, 'editor-desktop');
    await page.getByRole('button', { name: 'Add task' }).click();
    await dialog.waitFor({ state: 'detached' });
    const first = row(page, 'Water the plants');
    await first.waitFor();
    const firstId = await first.getAttribute('data-task-id');
    assert.match((await first.textContent()) ?? '', /Every 2 weeks/);

    // the reminder arrives live: unread badge, then the notification center
    await page.getByTestId('unread-count').waitFor({ timeout: 15_000 });
    assert.equal(await page.getByTestId('unread-count').textContent(), '1');
    const shown = JSON.parse(await page.evaluate<string>('JSON.stringify(window.__shown)'));
    assert.equal(shown.length, 1, 'one browser notification');
    assert.match(shown[0].body, /Water the plants/);
    await page.getByTestId('bell').click();
    const note = page.locator('[data-testid="notifications"] li').first();
    await note.waitFor();
    assert.match((await note.textContent()) ?? '', /Water the plants/);
    await shot(page, 'notifications-desktop');
    await page.getByRole('button', { name: 'Mark all read' }).click();
    await page.getByTestId('unread-count').waitFor({ state: 'detached' });
    await page.keyboard.press('Escape');

    // complete: immediate feedback, then the next occurrence arrives over SSE without a reload
    await first.getByRole('checkbox').click();
    await page.getByText('Completed “Water the plants”').waitFor();
    await page.locator(`[data-testid="task-row"]:not([data-task-id="${firstId}"])`, { hasText: 'Water the plants' }).waitFor();
    assert.equal(await page.locator(`[data-task-id="${firstId}"]`).count(), 0, 'the completed one left the To do list');
    const next = row(page, 'Water the plants');
    assert.equal(await next.count(), 1);
    assert.match((await next.textContent()) ?? '', /#home/);
    await shot(page, 'list-after-complete-desktop');

    // Undo: the task is pending again and the (untouched) next occurrence is withdrawn
    const nextId = await next.getAttribute('data-task-id');
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.locator(`[data-task-id="${firstId}"]`).waitFor();
    await page.locator(`[data-task-id="${nextId}"]`).waitFor({ state: 'detached' });
    // …and completing it again brings a next occurrence again
    await page.locator(`[data-task-id="${firstId}"]`).getByRole('checkbox').click();
    await page.locator(`[data-testid="task-row"]:not([data-task-id="${firstId}"])`, { hasText: 'Water the plants' }).waitFor();

    // its history: created, then completed
    await page.getByRole('radio', { name: 'All' }).check();
    await page.locator(`[data-task-id="${firstId}"]`).waitFor();
    await page.getByRole('link', { name: 'History of Water the plants' }).first().click();
    await page.locator('[data-testid="history"] li').first().waitFor();
    await shot(page, 'history-desktop');
    await context.close();
  });

  test('search, filters, sort and empty states', async () => {
    const s = await signUp(app.url, 'filters');
    const api = client(app.url, s.token);
    const h = (n: number) => new Date(Date.now() + n * 3600_000).toISOString();
    for (const t of [
      { title: 'Alpha overdue', priority: 'high', due_date: h(-3), tags: ['work'] },
      { title: 'Bravo later', priority: 'low', due_date: h(72), tags: ['home'] },
      { title: 'Charlie no date', priority: 'urgent', tags: ['work', 'urgent-ish'] },
    ])
      assert.equal((await api.post(`/api/${s.userId}/tasks`, t)).status, 201);
    const context = await newContext(browser);
    const page = await signedInPage(context, app.url, s);
    const titles = () => page.locator('[data-testid="task-row"] .task-title').allTextContents();
    await page.getByTestId('total').getByText('3 tasks').waitFor();
    assert.deepEqual(await titles(), ['Alpha overdue', 'Bravo later', 'Charlie no date'], 'due date order, undated last');
    assert.match((await row(page, 'Alpha overdue').getAttribute('class')) ?? '', /overdue/);

    await page.getByLabel('Sort', { exact: true }).selectOption('priority');
    // (not page.waitForFunction: its predicate is a string evaluated in the page, which the CSP forbids)
    await eventually(async () => (await titles())[0] === 'Charlie no date');
    assert.deepEqual(await titles(), ['Charlie no date', 'Alpha overdue', 'Bravo later'], 'urgent first');
    await page.getByLabel('Sort', { exact: true }).selectOption('-created_at');
    await page.getByLabel('Sort', { exact: true }).selectOption('due_date');

    await page.getByLabel('Search tasks').fill('bravo');
    await page.getByTestId('total').getByText('1 task').waitFor();
    await page.getByLabel('Search tasks').fill('');
    await page.getByTestId('total').getByText('3 tasks').waitFor();

    await page.getByTestId('filters-toggle').click();
    await page.getByRole('checkbox', { name: '#work' }).check();
    await page.getByTestId('total').getByText('2 tasks').waitFor();
    await page.getByRole('checkbox', { name: 'Overdue only' }).check();
    await page.getByTestId('total').getByText('1 task').waitFor();
    assert.deepEqual(await titles(), ['Alpha overdue']);
    await page.getByRole('checkbox', { name: 'Low' }).check();
    await page.getByText('No tasks match these filters').waitFor();
    await shot(page, 'list-no-match-desktop');
    await page.getByRole('button', { name: 'Clear filters' }).first().click();
    await page.getByTestId('total').getByText('3 tasks').waitFor();

    // a deep link to a task opens its editor after a reload (hash routes: no server fallback needed)
    const id = await row(page, 'Bravo later').getAttribute('data-task-id');
    await page.goto(`${app.url}/#/tasks/${id}`);
    await page.reload();
    await page.getByRole('dialog', { name: 'Edit task' }).waitFor();
    assert.equal(await page.getByLabel('Title').inputValue(), 'Bravo later');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    assert.equal(await page.evaluate<string>('location.hash'), '#/');
    await context.close();
  });

  test('keyboard only: quick add, open, edit and close a task', async () => {
    const s = await signUp(app.url, 'keyboard');
    const context = await newContext(browser);
    const page = await signedInPage(context, app.url, s);
    await page.keyboard.press('n'); // shortcut to the quick-add field
    assert.equal(await page.evaluate<string>('document.activeElement?.id'), 'quick-add');
    await page.keyboard.type('Buy milk tomorrow 9am !high #groceries');
    await page.getByText('Due Tomorrow 09:00').waitFor();
    await page.keyboard.press('Enter');
    await row(page, 'Buy milk').waitFor();
    assert.match((await row(page, 'Buy milk').textContent()) ?? '', /Tomorrow 09:00.*High.*#groceries/);

    // Tab through the row: complete checkbox → title link; Enter opens the editor
    await row(page, 'Buy milk').getByRole('checkbox').focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate<string>('document.activeElement?.textContent'), 'Buy milk');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Edit task' }).waitFor();
    assert.equal(await page.evaluate<string>('document.activeElement?.id'), 'f-title');
    await page.keyboard.press('End');
    await page.keyboard.type(' and eggs');
    await page.keyboard.press('Enter'); // submits the form
    await row(page, 'Buy milk and eggs').waitFor();
    await page.getByRole('dialog').waitFor({ state: 'detached' });

    // Escape closes a dialog and focus goes back where it was
    await row(page, 'Buy milk and eggs').locator('.task-title').focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Edit task' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    assert.equal(await page.evaluate<string>('document.activeElement?.textContent'), 'Buy milk and eggs');
    // focus is visible (an outline) on keyboard focus
    const outline = await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle');
    assert.equal(outline, 'solid');
    await context.close();
  });

  test('two signed-in browsers stay in sync through live updates (latencies printed)', async () => {
    const s = await signUp(app.url, 'sync');
    const [ctxA, ctxB] = await Promise.all([newContext(browser), newContext(browser)]);
    const [a, b] = await Promise.all([signedInPage(ctxA, app.url, s), signedInPage(ctxB, app.url, s)]);
    await Promise.all([a.locator('.live-live').waitFor(), b.locator('.live-live').waitFor()]);

    // time from the user's action in one browser until the change is visible in the other
    const latencies: number[] = [];
    async function synced(action: () => Promise<unknown>, visible: () => Promise<unknown>) {
      const t0 = Date.now();
      await action();
      await visible();
      latencies.push(Date.now() - t0);
    }

    // A quick-adds with a natural-language date → B sees it
    await a.locator('#quick-add').fill('Call mom tomorrow 6pm #family');
    await a.getByText('Due Tomorrow 18:00').waitFor();
    await synced(
      () => a.locator('#quick-add').press('Enter'),
      () => row(b, 'Call mom').waitFor({ timeout: 10_000 }),
    );
    assert.match((await row(b, 'Call mom').textContent()) ?? '', /Tomorrow 18:00.*#family/);

    // B renames it in the editor → A sees the new title
    await row(b, 'Call mom').locator('.task-title').click();
    await b.getByLabel('Title').fill('Call mom back');
    await synced(
      () => b.getByRole('button', { name: 'Save' }).click(),
      () => row(a, 'Call mom back').waitFor({ timeout: 10_000 }),
    );

    // A completes it → it leaves B's To do list; A's Undo → it is back on B
    await synced(
      () => row(a, 'Call mom back').getByRole('checkbox').click(),
      () => row(b, 'Call mom back').waitFor({ state: 'detached', timeout: 10_000 }),
    );
    await synced(
      () => a.getByRole('button', { name: 'Undo' }).click(),
      () => row(b, 'Call mom back').waitFor({ timeout: 10_000 }),
    );
    console.log(`# live sync latencies (ms): ${latencies.join(', ')}`);
    await Promise.all([ctxA.close(), ctxB.close()]);
  });

  test('strict CSP: the app (list, editor, live stream, service worker) and /docs run without one violation', async () => {
    const s = await signUp(app.url, 'csp');
    const context = await newContext(browser);
    await context.addInitScript({
      content: `window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`,
    });
    const messages: string[] = [];
    context.on('console', (m) => messages.push(m.text()));
    const page = await signedInPage(context, app.url, s);
    await page.locator('.live-live').waitFor();
    await page.locator('#quick-add').fill('Check the headers');
    await page.locator('#quick-add').press('Enter');
    await row(page, 'Check the headers').waitFor();
    await page.getByRole('link', { name: /Details/ }).click();
    await page.getByRole('dialog', { name: 'New task' }).waitFor();
    await page.keyboard.press('Escape');
    assert.equal(await page.evaluate<boolean>('navigator.serviceWorker.ready.then(() => true)'), true);
    assert.equal(
      await page.evaluate<string | null>(`document.documentElement.dataset.theme ?? null`),
      null,
      'the hashed inline script ran',
    );

    const docs = await context.newPage();
    await docs.goto(`${app.url}/docs`);
    await docs.getByText('Taskstream API').first().waitFor();
    await docs.locator('.opblock').first().waitFor();

    for (const p of [page, docs]) assert.deepEqual(await p.evaluate<string[]>('window.__csp'), [], `violations on ${p.url()}`);
    assert.deepEqual(
      messages.filter((m) => /content security policy|refused to/i.test(m)),
      [],
    );

    // the policy is enforced (this test can fail): a script injected into the page does not run
    await page.evaluate(
      `{ const el = document.createElement('script'); el.textContent = 'window.__injected = 1'; document.head.append(el); }`,
    );
    assert.equal(await page.evaluate<unknown>('window.__injected ?? null'), null);
    assert.deepEqual(await page.evaluate<string[]>('window.__csp.map((v) => v.split(" ")[0])'), ['script-src-elem']);
    await context.close();
  });

  test('screens at phone width and in the dark theme', async () => {
    const s = await signUp(app.url, 'phone');
    const api = client(app.url, s.token);
    const soon = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();
    await api.post(`/api/${s.userId}/tasks`, { title: 'Submit the tax return', priority: 'urgent', due_date: soon(-5), tags: ['admin'] });
    await api.post(`/api/${s.userId}/tasks`, {
      title: 'Stand-up notes',
      priority: 'medium',
      due_date: soon(1),
      recurrence: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR',
      reminders: [{ before_minutes: 10 }],
    });
    await api.post(`/api/${s.userId}/tasks`, { title: 'Book dentist appointment', priority: 'low', due_date: soon(50), tags: ['health'] });
    await api.post(`/api/${s.userId}/tasks`, { title: 'Read “The Pragmatic Programmer”', tags: ['books', 'learning'] });

    const phone = await newContext(browser, { phone: true });
    const page = await signedInPage(phone, app.url, s);
    await row(page, 'Submit the tax return').waitFor();
    assert.match((await row(page, 'Submit the tax return').getAttribute('class')) ?? '', /overdue/);
    const noHorizontalScroll = () => page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');
    assert.ok(await noHorizontalScroll(), 'no horizontal scrolling at phone width');
    await shot(page, 'list-phone');
    await page.getByTestId('toolbar-fold').click(); // the controls fold behind one button on a phone
    await page.getByTestId('filters-toggle').click();
    await shot(page, 'filters-phone');
    await page.getByTestId('filters-toggle').click();
    await page.getByTestId('toolbar-fold').click();
    await row(page, 'Stand-up notes').locator('.task-title').click();
    await page.getByRole('dialog', { name: 'Edit task' }).waitFor();
    await page.locator('[data-testid="preview"] li').nth(2).waitFor();
    assert.ok(await noHorizontalScroll());
    await shot(page, 'editor-phone');
    await page.keyboard.press('Escape');
    await page.getByTestId('bell').click();
    await shot(page, 'notifications-phone');
    await phone.close();

    const dark = await newContext(browser, { dark: true });
    const dpage = await signedInPage(dark, app.url, s);
    await row(dpage, 'Submit the tax return').waitFor();
    await shot(dpage, 'list-dark-desktop');
    await row(dpage, 'Stand-up notes').locator('.task-title').click();
    await dpage.locator('[data-testid="preview"] li').nth(2).waitFor();
    await shot(dpage, 'editor-dark-desktop');
    await dpage.keyboard.press('Escape');
    // the theme toggle overrides the system preference and is remembered
    await dpage.getByRole('button', { name: /System theme/ }).click();
    assert.equal(await dpage.evaluate<string>('document.documentElement.dataset.theme'), 'light');
    await dpage.reload();
    await dpage.locator('#list-heading').waitFor();
    assert.equal(await dpage.evaluate<string>('document.documentElement.dataset.theme'), 'light');
    await shot(dpage, 'list-light-desktop');
    await dark.close();
  });
});
