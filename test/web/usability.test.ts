/**
 * What a new user trips on, in Chromium against the real
 * service: toasts that stay out of a dialog's way with Undo on a key, focus that stays on the list
 * after Space, the shortcut sheet, the phone's first screen, right-to-left text, filters in the URL,
 * an edit conflict that keeps what was typed, and axe-core's accessibility rules.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { client, eventually, signUp, type Session, type TestApp } from '../support/app.js';
import { newContext, shot, signedInPage, WEB_TEST_ENV, serviceAndBrowser } from './browser.js';

let app: TestApp;
let browser: Browser;

serviceAndBrowser(WEB_TEST_ENV, (a, b) => ([app, browser] = [a, b]));

const row = (page: Page, title: string) =>
  page.locator('[data-testid="task-row"]', { has: page.locator('.task-title', { hasText: title }) });

/** Tasks due an hour apart, from `first` hours from now, in that order. */
async function seed(s: Session, titles: string[], extra: Record<string, unknown> = {}, first = 1): Promise<number[]> {
  const api = client(app.url, s.token);
  const ids: number[] = [];
  for (const [i, title] of titles.entries()) {
    const due = new Date(Date.now() + (first + i) * 3600_000).toISOString();
    const res = await api.post(`/api/${s.userId}/tasks`, { title, due_date: due, ...extra });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    ids.push(res.body.id);
  }
  return ids;
}

/** What has focus, by its accessible label (else id, else tag). */
const focused = (page: Page) =>
  page.evaluate<string>(
    `document.activeElement?.getAttribute('aria-label') || document.activeElement?.id || document.activeElement?.tagName || ''`,
  );
const hash = (page: Page) => page.evaluate<string>('location.hash');
const titles = (page: Page) => page.locator('[data-testid="task-row"] .task-title').allTextContents();
/** Waits until the list shows exactly these rows (a list being replaced may show the one before for a moment). */
const titlesBecome = (page: Page, expected: string[]) =>
  eventually(async () => JSON.stringify(await titles(page)) === JSON.stringify(expected)).catch(async () =>
    assert.deepEqual(await titles(page), expected),
  );

/** Each toast is hidden (true) or on top at its centre (false): a held toast is under nothing and over nothing. */
const toastsCovered = (page: Page) =>
  page.evaluate<boolean[]>(
    `[...document.querySelectorAll('.toast')].map((t) => { const r = t.getBoundingClientRect(); return !t.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)); })`,
  );

describe('toasts and the keyboard (items 5 and 9)', () => {
  test('Space completes and focus moves on to the next task; two toasts at most; U and Ctrl+Z undo, announced', async () => {
    const s = await signUp(app.url, 'space');
    await seed(s, ['Water the plants', 'Call the bank', 'Pay the rent', 'Fix the bike']);
    const context = await newContext(browser);
    const page = await signedInPage(context, app.url, s);
    await row(page, 'Fix the bike').waitFor();

    await row(page, 'Water the plants').locator('.complete').focus();
    for (const [done, next] of [
      ['Water the plants', 'Call the bank'],
      ['Call the bank', 'Pay the rent'],
      ['Pay the rent', 'Fix the bike'],
    ] as const) {
      await page.keyboard.press('Space');
      await row(page, done).waitFor({ state: 'detached' });
      await eventually(async () => (await focused(page)) === `Complete: ${next}`);
    }

    // three completions: the two newest toasts show; each tells how to undo it, read out by the live region
    const region = page.getByTestId('toasts');
    const toasts = region.locator('.toast');
    await toasts.filter({ hasText: 'Pay the rent' }).waitFor();
    assert.equal(await toasts.count(), 2);
    assert.deepEqual(await toasts.locator('> span').allTextContents(), [
      'Completed “Call the bank”. Press U to undo.',
      'Completed “Pay the rent”. Press U to undo.',
    ]);
    assert.equal(await region.getAttribute('role'), 'status');
    assert.equal(await toasts.last().getByRole('button', { name: 'Undo' }).getAttribute('aria-keyshortcuts'), 'U Control+Z Meta+Z');
    await shot(page, 'toasts-two-desktop');

    // U (focus is on a checkbox, not in a text field) undoes the newest; focus stays where it is
    await page.keyboard.press('u');
    await row(page, 'Pay the rent').waitFor();
    await region.getByText('“Pay the rent” is pending again').waitFor();
    assert.equal(await focused(page), 'Complete: Fix the bike');
    // Ctrl+Z the one before
    await page.keyboard.press('Control+z');
    await row(page, 'Call the bank').waitFor();
    const pending = await client(app.url, s.token).get(`/api/${s.userId}/tasks?status=pending`);
    assert.deepEqual(pending.body.map((t: { title: string }) => t.title).sort(), ['Call the bank', 'Fix the bike', 'Pay the rent']);
    // in a text field, "u" is a letter
    await page.locator('#quick-add').press('u');
    assert.equal(await page.locator('#quick-add').inputValue(), 'u');
    await context.close();
  });

  test('the last task completed: focus goes to the list, not to <body>', async () => {
    const s = await signUp(app.url, 'last');
    await seed(s, ['Only one', 'The last one']);
    const context = await newContext(browser);
    const page = await signedInPage(context, app.url, s);
    await row(page, 'The last one').locator('.complete').focus();
    await page.keyboard.press('Space');
    await row(page, 'The last one').waitFor({ state: 'detached' });
    await eventually(async () => (await focused(page)) === 'Complete: Only one');
    await page.keyboard.press('Space');
    await page.getByText('All clear!').waitFor();
    await eventually(async () => (await focused(page)) !== 'BODY');
    assert.equal(await focused(page), 'main');
    await context.close();
  });

  test('toasts are held back while a dialog is open (desktop and phone) and shown when it closes', async () => {
    for (const phone of [false, true]) {
      const s = await signUp(app.url, phone ? 'held-phone' : 'held');
      await seed(s, ['Renew the passport', 'Book the flights', 'Pack the bags']);
      const context = await newContext(browser, { phone });
      const page = await signedInPage(context, app.url, s);
      await row(page, 'Pack the bags').waitFor();
      for (const title of ['Renew the passport', 'Book the flights']) {
        await row(page, title).locator('.complete').click();
        await row(page, title).waitFor({ state: 'detached' });
      }
      assert.equal(await page.locator('.toast').count(), 2);
      assert.deepEqual(await toastsCovered(page), [false, false], 'the toasts show over the list');

      await row(page, 'Pack the bags').locator('.task-title').click();
      const dialog = page.getByRole('dialog', { name: 'Edit task' });
      await dialog.waitFor();
      await page.locator('.toasts.held').waitFor();
      assert.deepEqual(await toastsCovered(page), [true, true], 'no toast over the editor');
      // the editor's buttons can be hit where they are (the toasts used to sit on them)
      const save = dialog.getByRole('button', { name: /Save/ });
      await save.scrollIntoViewIfNeeded();
      await save.evaluate((b) => b.setAttribute('data-probe', ''));
      assert.equal(
        await page.evaluate<boolean>(
          `(() => { const b = document.querySelector('[data-probe]'); const r = b.getBoundingClientRect(); return b.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)); })()`,
        ),
        true,
        'the Save button is not covered',
      );
      assert.match((await page.getByTestId('toasts').textContent()) ?? '', /Completed “Book the flights”/, 'still in the live region');
      // held toasts do not run out of time while out of sight, and U does nothing behind a dialog
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      await page.locator('.toasts:not(.held)').waitFor();
      assert.equal(await page.locator('.toast').count(), 2);
      assert.deepEqual(await toastsCovered(page), [false, false]);
      await shot(page, phone ? 'toasts-after-dialog-phone' : 'toasts-after-dialog-desktop');
      await context.close();
    }
  });

  test('"?" opens the shortcut sheet, a dialog listing every shortcut; Escape closes it and focus returns', async () => {
    const s = await signUp(app.url, 'sheet');
    await seed(s, ['Read the manual']);
    for (const dark of [false, true]) {
      const context = await newContext(browser, { dark });
      const page = await signedInPage(context, app.url, s);
      await row(page, 'Read the manual').locator('.complete').focus();
      await page.keyboard.press('?');
      const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
      await sheet.waitFor();
      const keys = await sheet.locator('kbd').allTextContents();
      for (const k of ['N', '/', 'Space', 'U', 'Ctrl+Z', 'Alt+↑', 'Esc', '?'])
        assert.ok(keys.includes(k), `the sheet lists ${k}: ${keys.join(' ')}`);
      await shot(page, dark ? 'shortcuts-dark-desktop' : 'shortcuts-desktop');
      await page.keyboard.press('Escape');
      await sheet.waitFor({ state: 'detached' });
      assert.equal(await focused(page), 'Complete: Read the manual');
      // typed into a field, "?" is a character
      await page.locator('#quick-add').press('?');
      assert.equal(await page.getByRole('dialog').count(), 0);
      // and the header's button opens it too (mouse users)
      await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
      await sheet.waitFor();
      await context.close();
    }
  });
});

describe('phone (item 10)', () => {
  test('search, status, sort and filters fold behind one control; most of the first screen is tasks; 44 px checkboxes', async () => {
    const s = await signUp(app.url, 'phone');
    const names = Array.from({ length: 14 }, (_, i) => `Errand number ${i + 1}`);
    await seed(s, names, { tags: ['errands'] });
    for (const dark of [false, true]) {
      const context = await newContext(browser, { phone: true, dark });
      const page = await signedInPage(context, app.url, s);
      await row(page, 'Errand number 14').waitFor();
      const fold = page.getByTestId('toolbar-fold');
      assert.equal(await fold.isVisible(), true);
      assert.equal(await page.locator('#search').isVisible(), false, 'search folded away');
      assert.equal(await page.locator('#sort').isVisible(), false, 'sort folded away');
      assert.equal(await fold.getAttribute('aria-expanded'), 'false');
      const box = await page.evaluate<{ first: number; visible: number; height: number }>(`(() => {
        const rows = [...document.querySelectorAll('[data-testid="task-row"]')].map((r) => r.getBoundingClientRect());
        return { first: rows[0].top, visible: rows.filter((r) => r.bottom <= innerHeight).length, height: innerHeight };
      })()`);
      console.log(
        `# phone ${box.height} px tall: the first task starts at ${Math.round(box.first)} px, ${box.visible} tasks fully visible`,
      );
      assert.ok(box.first < box.height * 0.4, `the first task starts at ${box.first} px of ${box.height}`);
      assert.ok(box.visible >= 8, `${box.visible} tasks fully visible on the first screen`);
      await shot(page, dark ? 'list-phone-dark' : 'list-phone-light');
      // the quick-add field's example fits (the long one was cut off mid-word)
      const fits = await page.evaluate<{ text: number; room: number }>(`(() => {
        const input = document.getElementById('quick-add'), css = getComputedStyle(input);
        const ctx = document.createElement('canvas').getContext('2d');
        ctx.font = css.font;
        return { text: ctx.measureText(input.placeholder).width, room: input.clientWidth - parseFloat(css.paddingLeft) - parseFloat(css.paddingRight) };
      })()`);
      assert.ok(fits.text <= fits.room, `the placeholder needs ${Math.round(fits.text)} px, the field has ${Math.round(fits.room)}`);

      // 44 × 44 px to tap, and a tap near the edge of that area completes the task
      const hit = page.locator('[data-testid="task-row"] .complete-hit').first();
      const r = await hit.boundingBox();
      assert.ok(r && r.width >= 44 && r.height >= 44, `touch target ${JSON.stringify(r)}`);
      if (!dark) {
        await page.touchscreen.tap(r!.x + 3, r!.y + 3);
        await page.locator('.task-title', { hasText: /^Errand number 1$/ }).waitFor({ state: 'detached' });
      }

      // unfolded: everything is there; the folded button then says what is in force
      await fold.click();
      await page.locator('#search').fill('number 1');
      await page.getByTestId('total').getByText('5 tasks').waitFor(); // 10 to 14: number 1 was done by a tap
      await page.getByLabel('Sort', { exact: true }).selectOption('title');
      await shot(page, dark ? 'toolbar-open-phone-dark' : 'toolbar-open-phone-light');
      await fold.click();
      assert.match((await page.getByTestId('toolbar-summary').textContent()) ?? '', /To do · Title · “number 1”/);
      assert.ok(await page.evaluate<boolean>('document.documentElement.scrollWidth <= innerWidth'), 'no horizontal scrolling');
      await context.close();
    }
  });
});

describe('right-to-left text (item 12)', () => {
  test('titles, tags and project names take the direction of their own text', async () => {
    const s = await signUp(app.url, 'rtl');
    const api = client(app.url, s.token);
    const project = await api.post(`/api/${s.userId}/projects`, { name: 'مشروع البيت' });
    assert.equal(project.status, 201);
    const hebrew = await api.post(`/api/${s.userId}/tasks`, {
      title: 'לקנות חלב ולחם',
      description: 'שני ליטר, לא לשכוח',
      tags: ['קניות'],
      project_id: project.body.id,
    });
    assert.equal(hebrew.status, 201);
    await seed(s, ['Plain English task']);
    const context = await newContext(browser);
    const page = await signedInPage(context, app.url, s);
    const he = row(page, 'לקנות חלב ולחם');
    await he.waitFor();
    const dir = (sel: string) =>
      page
        .locator(sel)
        .first()
        .evaluate((el) => (el.matches(':dir(rtl)') ? 'rtl' : 'ltr'));
    assert.equal(await he.locator('.task-title').getAttribute('dir'), 'auto');
    assert.equal(await he.locator('.task-title').evaluate((el) => (el.matches(':dir(rtl)') ? 'rtl' : 'ltr')), 'rtl');
    assert.equal(await he.locator('.tag').evaluate((el) => (el.matches(':dir(rtl)') ? 'rtl' : 'ltr')), 'rtl');
    assert.equal(await he.locator('.in-project [dir]').evaluate((el) => (el.matches(':dir(rtl)') ? 'rtl' : 'ltr')), 'rtl');
    assert.equal(
      await row(page, 'Plain English task')
        .locator('.task-title')
        .evaluate((el) => (el.matches(':dir(rtl)') ? 'rtl' : 'ltr')),
      'ltr',
    );
    assert.equal(await dir('[data-testid="project-link"] .nav-text'), 'rtl');
    await shot(page, 'rtl-desktop');
    // and in the editor: title, description and tags
    await he.locator('.task-title').click();
    await page.getByRole('dialog', { name: 'Edit task' }).waitFor();
    for (const sel of ['#f-title', '#f-desc', '.tags-input .chip']) assert.equal(await dir(sel), 'rtl', `${sel} reads right to left`);
    await shot(page, 'rtl-editor-desktop');
    await context.close();
  });
});

describe('filters and sort in the URL (item 13)', () => {
  test('status, sort, search and filters are in the hash route, survive a reload, and Back restores them', async () => {
    const s = await signUp(app.url, 'url');
    const api = client(app.url, s.token);
    await seed(s, ['Alpha report'], { tags: ['work'], priority: 'high' });
    await seed(s, ['Bravo garden'], { tags: ['home'], priority: 'low' }, 3);
    await seed(s, ['Charlie invoice'], { tags: ['work'], priority: 'urgent' }, 5);
    const done = await api.post(`/api/${s.userId}/tasks`, { title: 'Delta done', tags: ['work'] });
    await api.patch(`/api/${s.userId}/tasks/${done.body.id}/complete`, { completed: true });
    const context = await newContext(browser);
    const page = await signedInPage(context, app.url, s);
    await page.getByTestId('total').getByText('3 tasks').waitFor();
    assert.equal(await hash(page), '#/', 'the defaults write nothing');

    await page.getByLabel('Sort', { exact: true }).selectOption('priority');
    await page.getByText('All', { exact: true }).click();
    await page.getByTestId('filters-toggle').click();
    await page.getByRole('checkbox', { name: '#work' }).check();
    await eventually(async () => (await hash(page)) === '#/?status=all&tag=work&sort=priority');
    const filtered = ['Charlie invoice', 'Alpha report', 'Delta done'];
    // the unfiltered list also says "3 tasks": wait for the filtered one's rows
    await titlesBecome(page, filtered);

    await page.reload();
    await page.getByTestId('total').getByText('3 tasks').waitFor();
    assert.equal(await hash(page), '#/?status=all&tag=work&sort=priority');
    assert.deepEqual(await titles(page), filtered);
    assert.equal(await page.getByLabel('Sort', { exact: true }).inputValue(), 'priority');
    assert.equal(await page.getByRole('radio', { name: 'All' }).isChecked(), true);
    await page.getByTestId('filters-toggle').click();
    assert.equal(await page.getByRole('checkbox', { name: '#work' }).isChecked(), true);

    // a task opened and closed comes back to the same list; another view and Back too
    await row(page, 'Alpha report').locator('.task-title').click();
    await page.getByRole('dialog', { name: 'Edit task' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    assert.equal(await hash(page), '#/?status=all&tag=work&sort=priority');
    await page.getByRole('link', { name: /^Today/ }).click();
    await page.getByRole('heading', { name: 'Today', exact: true }).waitFor();
    await page.goBack();
    await titlesBecome(page, filtered);

    // a link with a search fills the field; a hand-edited bad value is dropped, not guessed
    await page.goto(`${app.url}/#/?q=garden&sort=nonsense`);
    await page.getByTestId('total').getByText('1 task').waitFor();
    assert.equal(await page.locator('#search').inputValue(), 'garden');
    assert.equal(await hash(page), '#/?q=garden');
    await shot(page, 'filters-in-url-desktop');
    await context.close();
  });
});

describe('an edit conflict keeps what was typed (item 13)', () => {
  test('a 412 merges the typed changes onto the latest version; Save then writes both', async () => {
    const s = await signUp(app.url, 'conflict');
    const api = client(app.url, s.token);
    const [id] = await seed(s, ['Renew the passport'], { description: 'At the town hall', priority: 'low' });
    for (const phone of [false, true]) {
      const context = await newContext(browser, { phone });
      const page = await signedInPage(context, app.url, s, `#/tasks/${id}`);
      await page.getByRole('dialog', { name: 'Edit task' }).waitFor();
      const title = phone ? 'Renew the passport before June' : 'Renew the passport before May';
      await page.getByLabel('Title').fill(title);
      await page.getByLabel('Description').fill(phone ? 'Bring two photos' : 'Bring the old one');
      // meanwhile, elsewhere: the priority and the description change
      const now = (await api.get(`/api/${s.userId}/tasks/${id}`)).body;
      const other = await api.put(`/api/${s.userId}/tasks/${id}`, {
        title: now.title,
        priority: phone ? 'high' : 'urgent',
        description: 'From the phone',
      });
      assert.equal(other.status, 200);

      await page.getByRole('button', { name: 'Save' }).click();
      const alert = page.getByTestId('conflict');
      await alert.getByText(/Your changes are still here/).waitFor();
      assert.match((await alert.textContent()) ?? '', /which changed the priority\).*You both changed the description: yours is kept/);
      assert.equal(await page.getByLabel('Title').inputValue(), title, 'the typed title is kept');
      assert.equal(
        await page.evaluate<string>('document.activeElement?.dataset.testid ?? ""'),
        'conflict',
        'the message has focus (in view)',
      );
      assert.equal(await page.getByLabel('Description').inputValue(), phone ? 'Bring two photos' : 'Bring the old one');
      assert.equal(await page.getByLabel('Priority').inputValue(), phone ? 'high' : 'urgent', 'the other change is shown');
      await shot(page, phone ? 'conflict-phone' : 'conflict-desktop');

      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      const saved = (await api.get(`/api/${s.userId}/tasks/${id}`)).body;
      assert.equal(saved.title, title);
      assert.equal(saved.description, phone ? 'Bring two photos' : 'Bring the old one');
      assert.equal(saved.priority, phone ? 'high' : 'urgent');
      await context.close();
    }
  });

  test('"Discard my changes" loads the latest version', async () => {
    const s = await signUp(app.url, 'discard');
    const api = client(app.url, s.token);
    const [id] = await seed(s, ['Paint the fence']);
    const context = await newContext(browser);
    const page = await signedInPage(context, app.url, s, `#/tasks/${id}`);
    await page.getByRole('dialog', { name: 'Edit task' }).waitFor();
    await page.getByLabel('Title').fill('Paint the fence white');
    assert.equal((await api.put(`/api/${s.userId}/tasks/${id}`, { title: 'Paint the fence green' })).status, 200);
    await page.getByRole('button', { name: 'Save' }).click();
    await page
      .getByTestId('conflict')
      .getByText(/You both changed the title: yours is kept/)
      .waitFor();
    await page.getByRole('button', { name: 'Discard my changes' }).click();
    await page.getByTestId('conflict').waitFor({ state: 'detached' });
    assert.equal(await page.getByLabel('Title').inputValue(), 'Paint the fence green');
    await context.close();
  });
});

describe('axe-core (item 14)', () => {
  const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  interface Violation {
    id: string;
    nodes: { target: string[]; failureSummary: string }[];
  }
  /** axe in the page through DevTools (not a <script>: the CSP would refuse it, rightly). */
  async function axe(page: Page, selector: string, rules?: string[]): Promise<Violation[]> {
    if (!(await page.evaluate<boolean>('typeof window.axe === "object"'))) await page.evaluate(axeSource);
    const only = rules
      ? `{ type: 'rule', values: ${JSON.stringify(rules)} }`
      : `{ type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] }`;
    return page.evaluate<Violation[]>(
      `axe.run(document.querySelector(${JSON.stringify(selector)}), { runOnly: ${only} }).then((r) => r.violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) })))`,
    );
  }

  test('the notification center: no label-content-name-mismatch on "Mark read" (and no WCAG A/AA violation)', async () => {
    const s = await signUp(app.url, 'axe');
    const api = client(app.url, s.token);
    await api.post(`/api/${s.userId}/tasks`, {
      title: 'Water the ficus',
      due_date: new Date(Date.now() + 3600_000).toISOString(),
      reminders: [{ at: new Date(Date.now() + 1500).toISOString() }],
    });
    for (const dark of [false, true]) {
      const context = await newContext(browser, { dark });
      const page = await signedInPage(context, app.url, s);
      await page.getByTestId('unread-count').waitFor({ timeout: 20_000 });
      await page.getByTestId('bell').click();
      const panel = page.locator('#notification-panel');
      await panel.locator('button', { hasText: 'Mark read' }).waitFor(); // by its text: its name is what axe checks
      assert.deepEqual(await axe(page, '#notification-panel', ['label-content-name-mismatch']), []);
      assert.deepEqual(await axe(page, '#notification-panel'), []);
      await shot(page, dark ? 'notifications-axe-dark-desktop' : 'notifications-axe-desktop');
      await context.close();
    }
  });

  test('the list, the toolbar and the shortcut sheet pass axe (WCAG A/AA and label-content-name-mismatch)', async () => {
    const s = await signUp(app.url, 'axe-list');
    await seed(s, ['Submit the tax return', 'Book the dentist'], { tags: ['admin'], priority: 'high' });
    for (const phone of [false, true]) {
      const context = await newContext(browser, { phone });
      const page = await signedInPage(context, app.url, s);
      await row(page, 'Book the dentist').waitFor();
      assert.deepEqual(await axe(page, 'body'), [], phone ? 'phone' : 'desktop');
      assert.deepEqual(await axe(page, 'body', ['label-content-name-mismatch']), []);
      if (!phone) {
        await page.keyboard.press('?');
        await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
        assert.deepEqual(await axe(page, '[role="dialog"]'), []);
      }
      await context.close();
    }
  });
});

describe('found in the screenshots', () => {
  test('another screen opens at its top, not where the list was scrolled to; closing a task keeps the list’s place', async () => {
    const s = await signUp(app.url, 'scroll');
    await seed(
      s,
      Array.from({ length: 30 }, (_, i) => `Chore number ${i + 1}`),
    );
    for (const phone of [false, true]) {
      const context = await newContext(browser, { phone });
      const page = await signedInPage(context, app.url, s);
      await row(page, 'Chore number 30').scrollIntoViewIfNeeded();
      const down = await page.evaluate<number>('scrollY');
      assert.ok(down > 300, `the list is scrolled (${down} px)`);
      // a task opened and closed: the list stays where it was
      await row(page, 'Chore number 30').locator('.task-title').click();
      await page.getByRole('dialog', { name: 'Edit task' }).waitFor();
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      assert.equal(await page.evaluate<number>('scrollY'), down);
      // Settings from there: its heading is on screen
      if (phone) await page.getByRole('button', { name: 'Menu' }).click();
      await page.getByRole('link', { name: 'Settings' }).first().click();
      const heading = page.getByRole('heading', { name: 'Settings', level: 1 });
      await heading.waitFor();
      assert.equal(await page.evaluate<number>('scrollY'), 0);
      assert.ok(await heading.isVisible());
      await context.close();
    }
  });
});
