/**
 * A short network drop: lazy chunks that failed to load are fetched again once the
 * connection is back (quick add's parser, the settings screen), and quick add's connection error
 * goes away by itself on reconnecting (the list's is the offline banner's business). The browser is taken offline through the
 * DevTools protocol (context.setOffline), as a dropped Wi-Fi would. (Once the service worker has
 * stored the shell, chunks come from it offline: its own tests cover that.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { client, signUp, type TestApp } from '../support/app.js';
import { DESKTOP, shot, signedInPage, WEB_TEST_ENV, ZONE, serviceAndBrowser } from './browser.js';

let app: TestApp;
let browser: Browser;

serviceAndBrowser(WEB_TEST_ENV, (a, b) => ([app, browser] = [a, b]));

const row = (page: Page, title: string) =>
  page.locator('[data-testid="task-row"]', { has: page.locator('.task-title', { hasText: new RegExp(`^${title}$`) }) });

test('quick add and a lazy screen work again after the network comes back; the stale error goes', async () => {
  const s = await signUp(app.url, 'offline');
  // without the service worker, which would serve the chunks from its shell copy: this is the first visit
  // (or a new build's first load), when a chunk can only come from the network
  const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB', timezoneId: ZONE, serviceWorkers: 'block' });
  const page = await signedInPage(context, app.url, s);
  await page.locator('.live-live').waitFor();

  // offline before quick add's parser was ever loaded: its chunk fails (tried a few times)
  await context.setOffline(true);
  await page.locator('#quick-add').fill('Buy bread tomorrow 9am');
  await page.locator('#quick-add').press('Enter');
  const quickError = page.locator('#err-quick-add');
  await quickError.waitFor({ timeout: 20_000 });
  assert.match((await quickError.textContent()) ?? '', /connection/i);

  await shot(page, 'offline-errors-desktop');

  // back online: the message goes by itself, and quick add works without a reload
  await context.setOffline(false);
  await quickError.waitFor({ state: 'detached', timeout: 15_000 });
  await page.locator('#quick-add').press('Enter');
  await row(page, 'Buy bread').waitFor();
  const [task] = (await client(app.url, s.token).get(`/api/${s.userId}/tasks`)).body;
  assert.equal(task.title, 'Buy bread', 'parsed by the parser loaded after the drop');
  assert.ok(task.due_date);

  // a screen behind a lazy chunk: offline it cannot load; back online it does, without a click
  await context.setOffline(true);
  await page.getByRole('link', { name: 'Settings' }).first().click();
  const screenError = page.getByText(/Could not load this screen/);
  await screenError.waitFor({ timeout: 20_000 });
  await context.setOffline(false);
  await page.getByRole('heading', { name: 'Settings' }).waitFor({ timeout: 15_000 });
  assert.equal(await screenError.count(), 0);
  await context.close();
});
