/**
 * Quick add in the browser: the quick-add phrases a new user tripped on, as the preview shows
 * them and as the task is created. The page's clock is fixed at Friday 4 December 2026, 11:00 in
 * Europe/Berlin (the browser's zone here), so "today" and "tomorrow" are known. The full phrase
 * table is src/nlp/quick-add.test.ts; this checks that the web app uses that parser, in its zone.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { client, signUp, type Session, type TestApp } from '../support/app.js';
import { newContext, shot, signedInPage, ZONE, waitInPage, WEB_TEST_ENV, serviceAndBrowser } from './browser.js';

let app: TestApp;
let browser: Browser;

serviceAndBrowser(WEB_TEST_ENV, (a, b) => ([app, browser] = [a, b]));

const preview = (page: Page) => page.locator('#quick-add-preview');

test('the phrases a new user tripped on preview and save as meant', async () => {
  const s: Session = await signUp(app.url, 'quickadd');
  const api = client(app.url, s.token);
  assert.equal((await api.put(`/api/${s.userId}/preferences`, { timezone: ZONE })).status, 200);
  const context = await newContext(browser);
  const page = await signedInPage(context, app.url, s);
  await page.clock.setFixedTime(new Date('2026-12-04T10:00:00Z'));

  const cases: [string, string, RegExp[]][] = [
    ['Read tonight', 'Read', [/Due Today 20:00/]],
    ['Meeting at 3', 'Meeting', [/Due Today 15:00/]],
    ['Review budget on Dec 20 at 5pm', 'Review budget', [/Due Sun 20 Dec 17:00/]],
    ['Plan trip next week', 'Plan trip', [/Due Mon 7 Dec 09:00/]],
    ['Book club every last friday 7pm', 'Book club', [/Due Fri 25 Dec 19:00/, /every last Friday/]],
  ];
  for (const [phrase, title, shows] of cases) {
    await page.locator('#quick-add').fill(phrase);
    await preview(page).getByText(`“${title}”`, { exact: true }).waitFor();
    const text = (await preview(page).textContent()) ?? '';
    for (const re of shows) assert.match(text, re, `${phrase}: ${text}`);
  }

  // saved as previewed: the last phrase becomes a monthly task on the last Friday, 19:00 in Berlin
  await page.locator('#quick-add').press('Enter');
  await waitInPage(page, `document.getElementById('quick-add').value === ''`);
  const [task] = (await api.get(`/api/${s.userId}/tasks?q=Book`)).body;
  assert.equal(task.title, 'Book club');
  assert.equal(task.recurrence, 'FREQ=MONTHLY;BYDAY=-1FR');
  assert.equal(new Date(task.due_date).toISOString(), '2026-12-25T18:00:00.000Z');

  // "#onlytag" alone is no task: the app asks for a title and creates nothing
  await page.locator('#quick-add').fill('#onlytag');
  await preview(page).locator('.chip.tag', { hasText: '#onlytag' }).waitFor();
  assert.doesNotMatch((await preview(page).textContent()) ?? '', /“/, 'no title chip');
  await page.locator('#quick-add').press('Enter');
  await page.getByText(/Add a title/).waitFor();
  assert.equal((await api.get(`/api/${s.userId}/tasks`)).body.length, 1, 'only the book club task exists');
  await context.close();
});

test('a title longer than the server takes is counted, and refused before anything is sent', async () => {
  const s: Session = await signUp(app.url, 'quickcount');
  const context = await newContext(browser);
  const page = await signedInPage(context, app.url, s);
  const input = page.locator('#quick-add');
  const count = page.locator('#quick-add-count');
  await input.fill(`${'a'.repeat(195)} tomorrow 9am #home`);
  await count.getByText('Title: 195 of 200 characters.').waitFor();
  assert.match((await input.getAttribute('aria-describedby')) ?? '', /quick-add-count/);
  await input.fill(`${'b'.repeat(212)} tomorrow #home`);
  await count.getByText(/212 characters long: at most 200\. Shorten it by 12/).waitFor();
  await input.press('Enter');
  await page.getByText('Shorten the title to 200 characters first.').waitFor();
  assert.equal((await client(app.url, s.token).get(`/api/${s.userId}/tasks`)).body.length, 0, 'nothing was sent');
  await shot(page, 'quick-add-count-desktop');
  await input.fill(`${'c'.repeat(200)} tomorrow`);
  await count.getByText('Title: 200 of 200 characters.').waitFor();
  await input.press('Enter');
  await waitInPage(page, `document.getElementById('quick-add').value === ''`);
  assert.equal((await client(app.url, s.token).get(`/api/${s.userId}/tasks`)).body[0].title.length, 200);
  await context.close();
});

test('a date outside the years 1900–2200 is flagged in the preview and refused in a sentence, before anything is sent', async () => {
  const s: Session = await signUp(app.url, 'quickyears');
  const api = client(app.url, s.token);
  const context = await newContext(browser);
  const page = await signedInPage(context, app.url, s);
  const sent: string[] = [];
  page.on('request', (r) => void (r.method() === 'POST' && r.url().endsWith('/tasks') && sent.push(r.url())));
  for (const [phrase, year] of [
    ['Party on 1 Jan 2500', '2500'],
    ['History exam on 3 March 1850', '1850'],
  ] as const) {
    await page.locator('#quick-add').fill(phrase);
    const flag = page.getByTestId('preview-out-of-range').filter({ hasText: year });
    await flag.waitFor();
    assert.match((await flag.textContent()) ?? '', new RegExp(`${year}.*dates must be in the years 1900–2200`));
    await page.locator('#quick-add').press('Enter');
    await page.getByText('The due date must be in the years 1900–2200.').waitFor();
    if (year === '1850') await shot(page, 'quick-add-years-desktop');
  }
  assert.deepEqual(sent, [], 'nothing was sent');
  // in range: added as usual
  await page.locator('#quick-add').fill('Party on 1 Jan 2199');
  await page.locator('#quick-add').press('Enter');
  await waitInPage(page, `document.getElementById('quick-add').value === ''`);
  const [task] = (await api.get(`/api/${s.userId}/tasks`)).body;
  assert.equal(task.title, 'Party');
  assert.match(task.due_date, /^2199-01-01T/);
  await context.close();
});
