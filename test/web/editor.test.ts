/**
 * What a new user trips on in the task editor: dates outside 1900–2200 refused in plain
 * words (and year 0001 never read as 1901/2001), validation messages as sentences with the RRULE
 * error said once, RRULE behind an advanced toggle, a not-found state for a task that is not there,
 * and a delete that Undo restores as the same task (asking first for a recurring one). Screenshots
 * of each changed screen at desktop and phone width, light and dark.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { client, eventually, signUp, type Session, type TestApp } from '../support/app.js';
import { newContext, shot, signedInPage, WEB_TEST_ENV, serviceAndBrowser } from './browser.js';

let app: TestApp;
let browser: Browser;

serviceAndBrowser(WEB_TEST_ENV, (a, b) => ([app, browser] = [a, b]));

const row = (page: Page, title: string) =>
  page.locator('[data-testid="task-row"]', { has: page.locator('.task-title', { hasText: new RegExp(`^${title}$`) }) });
const text = async (page: Page, selector: string) => (await page.locator(selector).textContent())?.trim() ?? '';

async function openNew(page: Page): Promise<void> {
  await page.goto(`${app.url}/#/tasks/new`);
  await page.getByRole('dialog', { name: 'New task' }).waitFor();
}

describe('task editor', () => {
  test('dates: the inputs take 1900–2200 only, and an earlier year is refused in a sentence, never turned into another', async () => {
    const s = await signUp(app.url, 'dates');
    const context = await newContext(browser);
    const page = await signedInPage(context, app.url, s);
    await openNew(page);
    const date = page.getByLabel('Date', { exact: true });
    assert.equal(await date.getAttribute('min'), '1900-01-01');
    assert.equal(await date.getAttribute('max'), '2200-12-31');
    await page.getByLabel('Title').fill('Ancient');
    await date.fill('0001-03-04');
    await page.getByRole('button', { name: 'Add task' }).click();
    await page.locator('#err-due_date').waitFor();
    assert.equal(await text(page, '#err-due_date'), 'The due date must be in the years 1900–2200.');
    assert.equal(await date.inputValue(), '0001-03-04', 'the year stays as typed');
    assert.equal(await page.evaluate<string>('document.activeElement?.id'), 'f-due-date', 'focus on the field to fix');
    await shot(page, 'editor-date-range-desktop');
    await date.fill('9999-01-01');
    await page.getByRole('button', { name: 'Add task' }).click();
    await page.getByText('The due date must be in the years 1900–2200.').waitFor();
    assert.equal((await client(app.url, s.token).get(`/api/${s.userId}/tasks`)).body.length, 0, 'nothing was sent');

    // in range: saved as typed
    await date.fill('2199-12-31');
    await page.getByRole('button', { name: 'Add task' }).click();
    await row(page, 'Ancient').waitFor();
    const [task] = (await client(app.url, s.token).get(`/api/${s.userId}/tasks`)).body;
    assert.match(task.due_date, /^2199-12-31T/);

    // the list's date filter has the same bounds, and year 0001 is not read as 1901
    await page.getByTestId('filters-toggle').click();
    const from = page.getByLabel('From');
    assert.equal(await from.getAttribute('min'), '1900-01-01');
    assert.equal(await from.getAttribute('max'), '2200-12-31');
    const asked: string[] = [];
    page.on('request', (r) => void (r.url().includes('due_from') && asked.push(r.url())));
    await from.fill('0001-01-01');
    await page.getByText('Pick dates in the years 1900–2200.').waitFor();
    assert.equal(await from.inputValue(), '0001-01-01', 'kept as typed, not applied');
    await from.fill('2199-12-01');
    await page.getByText('Pick dates in the years 1900–2200.').waitFor({ state: 'detached' });
    await eventually(async () => asked.length > 0);
    assert.deepEqual(
      asked.map((u) => new URL(u).searchParams.get('due_from')?.slice(0, 4)),
      ['2199'],
      'only the date in range was asked for (never as 1901)',
    );
    await context.close();
  });

  test('validation messages are sentences; an RRULE error is said once; RRULE sits behind an advanced toggle', async () => {
    const s = await signUp(app.url, 'plain');
    const context = await newContext(browser);
    const page = await signedInPage(context, app.url, s);
    await openNew(page);
    await page.getByLabel('Title').fill('x'.repeat(201));
    await page.getByRole('button', { name: 'Add task' }).click();
    await page.locator('#err-title').waitFor();
    assert.equal(await text(page, '#err-title'), 'The title can be at most 200 characters long.');

    // a relative reminder without a due date
    await page.getByLabel('Title').fill('Reminder without a date');
    await page.getByRole('button', { name: 'Add reminder' }).click();
    await page.getByLabel('Reminder 1 type').selectOption('before');
    await page.getByRole('button', { name: 'Add task' }).click();
    await page.locator('#err-reminders-0').waitFor();
    assert.equal(
      await text(page, '#err-reminders-0'),
      'Reminder 1 counts back from the due date: set a due date, or remind at a fixed time.',
    );
    await page.getByRole('button', { name: 'Remove reminder 1' }).click();

    // plain repeat: a sentence, no RRULE words until asked for
    await page.getByLabel('Repeats').selectOption('custom');
    await page.getByLabel('Every', { exact: true }).fill('2');
    const repeat = page.getByRole('group', { name: 'Repeat' });
    await repeat.getByText(/^Every 2 weeks/).waitFor();
    assert.doesNotMatch((await repeat.textContent()) ?? '', /RRULE|FREQ=/, 'no jargon by default');
    assert.equal(await page.getByLabel('Repeats').locator('option[value="rrule"]').count(), 0);
    const advanced = page.getByRole('button', { name: /Advanced/ });
    assert.equal(await advanced.getAttribute('aria-expanded'), 'false');
    await advanced.click();
    assert.equal(await advanced.getAttribute('aria-expanded'), 'true');
    assert.match(await text(page, '[data-testid="rrule"]'), /^FREQ=WEEKLY;INTERVAL=2/);
    await page.getByLabel('Repeats').selectOption('rrule');
    await page.getByLabel('RRULE').fill('FREQ=FORTNIGHTLY');
    await page.getByRole('button', { name: 'Add task' }).click();
    await page.locator('#err-recurrence').waitFor();
    const errors = await page.getByRole('group', { name: 'Repeat' }).locator('.field-error').allTextContents();
    assert.equal(errors.length, 1, `the rule's error once: ${JSON.stringify(errors)}`);
    assert.match(errors[0]!, /FORTNIGHTLY/);
    await shot(page, 'editor-rrule-error-desktop');
    await context.close();
  });

  test('the server’s refusals read as sentences: a sign-up email, a blank title', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${app.url}/#/signup`);
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    await page.getByLabel('Email').fill('ada.example.com');
    await page.getByLabel('Password').fill('correct horse battery');
    const sent: string[] = [];
    page.on('request', (r) => void (r.url().endsWith('/api/auth/register') && sent.push(r.url())));
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('#err-email').waitFor();
    assert.equal(sent.length, 1, 'the server was asked: its message is what shows');
    assert.equal(await text(page, '#err-email'), 'Enter an email address, like name@example.com.');
    assert.equal(await page.getByLabel('Email').getAttribute('aria-invalid'), 'true');
    await shot(page, 'signup-email-error-desktop');

    // a title of spaces: the server's "must not be blank" is not what shows
    const s = await signUp(app.url, 'blank');
    const signed = await signedInPage(context, app.url, s);
    await openNew(signed);
    await signed.getByLabel('Title').fill('   ');
    await signed.getByRole('button', { name: 'Add task' }).click();
    await signed.locator('#err-title').waitFor();
    assert.equal(await text(signed, '#err-title'), 'The title cannot be empty.');
    await context.close();
  });

  test('a task that does not exist shows a not-found state, not an empty form', async () => {
    const s = await signUp(app.url, 'missing');
    const context = await newContext(browser);
    const page = await signedInPage(context, app.url, s, '#/tasks/999999');
    const dialog = page.getByRole('dialog', { name: 'Task not found' });
    await dialog.waitFor();
    assert.equal(await dialog.locator('input, textarea, select').count(), 0, 'no form');
    await shot(page, 'editor-not-found-desktop');
    await dialog.getByRole('button', { name: 'Back to the list' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate<string>('location.hash'), '#/');

    // its history, and a project that is not there: the same plain state, never the server's "task 999999 not found"
    await page.goto(`${app.url}/#/tasks/999999/history`);
    const history = page.getByRole('dialog', { name: 'Task not found' });
    await history.getByText('There is no such task').waitFor();
    assert.doesNotMatch((await history.textContent()) ?? '', /999999|not found$/);
    assert.equal(await history.getByRole('link', { name: 'Edit task' }).count(), 0, 'no way into an empty form');
    await page.keyboard.press('Escape');
    await history.waitFor({ state: 'detached' });
    const refused = page.waitForResponse((r) => r.url().includes('999999') && r.status() === 404);
    await page.goto(`${app.url}/#/projects/999999`);
    await refused; // the list's request answered: its error would show now
    await page.getByText('This project does not exist (any more)').waitFor();
    await page.waitForTimeout(300);
    assert.doesNotMatch((await page.locator('main').textContent()) ?? '', /999999|Could not load/);
    await shot(page, 'project-not-found-desktop');
    await context.close();
  });

  test('Undo after a delete restores the same task with its history; a recurring one asks first', async () => {
    const s: Session = await signUp(app.url, 'undo');
    const api = client(app.url, s.token);
    const t = (
      await api.post(`/api/${s.userId}/tasks`, {
        title: 'Water the plants',
        recurrence: 'weekly',
        due_date: new Date(Date.now() + 86_400_000).toISOString(),
      })
    ).body;
    await api.put(`/api/${s.userId}/tasks/${t.id}`, { description: 'Balcony first' });
    const context = await newContext(browser);
    const page = await signedInPage(context, app.url, s, `#/tasks/${t.id}`);
    await page.getByRole('dialog', { name: 'Edit task' }).waitFor();
    await page.getByRole('button', { name: 'Delete…' }).click();
    const confirm = page.getByRole('group', { name: 'Confirm delete' });
    await confirm.waitFor();
    assert.match((await confirm.textContent()) ?? '', /repeats \(weekly\): deleting it ends the series/);
    assert.equal(await page.evaluate<string>('document.activeElement?.textContent'), 'Delete the series');
    await shot(page, 'editor-confirm-delete-desktop');
    await confirm.getByRole('button', { name: 'Keep it' }).click();
    await confirm.waitFor({ state: 'detached' });
    assert.equal((await api.get(`/api/${s.userId}/tasks/${t.id}`)).status, 200, 'not deleted');
    await page.getByRole('button', { name: 'Delete…' }).click();
    await confirm.getByRole('button', { name: 'Delete the series' }).click();
    await row(page, 'Water the plants').waitFor({ state: 'detached' });
    await page.getByText('Deleted “Water the plants”').waitFor(); // the server answered
    assert.equal((await api.get(`/api/${s.userId}/tasks/${t.id}`)).status, 404);

    await page.getByRole('button', { name: 'Undo' }).click();
    await page.locator(`[data-task-id="${t.id}"]`).waitFor();
    const back = await api.get(`/api/${s.userId}/tasks/${t.id}`);
    assert.equal(back.status, 200, 'the same id');
    assert.equal(back.body.description, 'Balcony first');
    const history = await eventually(async () => {
      const h = (await api.get(`/api/${s.userId}/tasks/${t.id}/history`)).body;
      return h.length === 4 ? h : undefined;
    });
    assert.deepEqual(
      history.map((e: any) => e.event_type),
      ['created', 'updated', 'deleted', 'created'],
    );
    await page.goto(`${app.url}/#/tasks/${t.id}/history`);
    await page.locator('[data-testid="history"] li').nth(3).waitFor();
    assert.match((await page.locator('[data-testid="history"] > li').nth(3).textContent()) ?? '', /Restored/);
    await context.close();
  });

  test('screens: editor at phone width and in the dark theme', async () => {
    const s = await signUp(app.url, 'shots');
    const api = client(app.url, s.token);
    const t = (
      await api.post(`/api/${s.userId}/tasks`, {
        title: 'Stand-up notes',
        recurrence: 'FREQ=WEEKLY;BYDAY=MO,WE',
        due_date: new Date(Date.now() + 86_400_000).toISOString(),
      })
    ).body;
    for (const [name, opts] of [
      ['phone', { phone: true }],
      ['dark-desktop', { dark: true }],
      ['dark-phone', { dark: true, phone: true }],
    ] as const) {
      const context = await newContext(browser, opts);
      const page = await signedInPage(context, app.url, s);
      await page.locator('#quick-add').fill(`${'Plan the whole renovation of the kitchen and the bathroom '.repeat(4)} tomorrow`);
      await page
        .locator('#quick-add-preview')
        .getByText(/^Due Tomorrow/)
        .waitFor();
      await page.locator('#quick-add-count.over').waitFor();
      await shot(page, `quick-add-count-${name}`);
      await page.locator('#quick-add').fill('');
      await page.goto(`${app.url}/#/tasks/${t.id}`);
      await page.getByRole('dialog', { name: 'Edit task' }).waitFor();
      await page.getByRole('button', { name: 'Advanced options' }).click();
      await page.getByRole('button', { name: 'Delete…' }).click();
      await page.getByRole('group', { name: 'Confirm delete' }).waitFor();
      await shot(page, `editor-repeat-${name}`);
      await page.getByRole('button', { name: 'Keep it' }).click();
      await page.locator('[data-testid="preview"] li').nth(2).waitFor();
      await page.getByLabel('Date', { exact: true }).fill('0001-01-01');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.locator('#err-due_date').waitFor();
      await shot(page, `editor-date-range-${name}`);
      await page.goto(`${app.url}/#/tasks/999999`);
      await page.getByRole('dialog', { name: 'Task not found' }).waitFor();
      await shot(page, `editor-not-found-${name}`);
      await context.close();
    }
  });
});
