/**
 * Organizing in the browser: projects from the sidebar, subtasks with progress,
 * manual order by keyboard and by drag, Today and Upcoming in the user's zone and week start, the
 * settings screen, the phone drawer. The real service in this process, Debian's Chromium; every wait
 * is for a condition in the page or the API, never a fixed sleep.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { client, eventually, signUp, type TestApp } from '../support/app.js';
import { newContext, shot, signedInPage, ZONE, waitInPage, WEB_TEST_ENV, serviceAndBrowser } from './browser.js';

let app: TestApp;
let browser: Browser;

serviceAndBrowser(WEB_TEST_ENV, (a, b) => ([app, browser] = [a, b]));

const row = (page: Page, title: string) =>
  page.locator('[data-testid="task-row"]', { has: page.locator('.task-title', { hasText: new RegExp(`^${title}$`) }) });
/** titles of the top-level rows of a project, in screen order */
const topTitles = (page: Page) => page.locator('#task-list > li > [data-testid="task-row"] .task-title').allTextContents();

/** The calendar day ("YYYY-MM-DD") of an instant in a zone, and the instant a day starts there. */
const dayIn = (d: Date, zone: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
function startOfDay(key: string, zone: string): Date {
  let guess = new Date(`${key}T00:00:00Z`).getTime();
  for (let i = 0; i < 3; i++) {
    const shown = new Date(
      new Intl.DateTimeFormat('sv-SE', {
        timeZone: zone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
      })
        .format(new Date(guess))
        .replace(' ', 'T') + 'Z',
    ).getTime();
    guess += new Date(`${key}T00:00:00Z`).getTime() - shown;
  }
  return new Date(guess);
}
const addDays = (key: string, n: number) => {
  const d = new Date(`${key}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};

describe('organizing in the web app', () => {
  test('a project from the sidebar: deep link, subtasks with progress, collapse, reorder by keyboard and drag', async () => {
    const s = await signUp(app.url, 'projects');
    const api = client(app.url, s.token);
    const context = await newContext(browser);
    const page = await signedInPage(context, app.url, s);

    // create it from the sidebar: the app opens it
    await page.getByRole('button', { name: 'Add project' }).click();
    await page.getByLabel('Project name').fill('Garden');
    await page.getByLabel('Project name').press('Enter');
    await page.getByRole('heading', { name: 'Garden', level: 1 }).waitFor();
    const hash = await page.evaluate<string>('location.hash');
    const projectId = /^#\/projects\/(.+)$/.exec(hash)?.[1];
    assert.ok(projectId, `a deep link to the project (${hash})`);
    const listed = await api.get(`/api/${s.userId}/projects`);
    assert.equal(listed.status, 200);
    assert.ok(
      listed.body.some((p: { id: unknown; name: string }) => String(p.id) === projectId && p.name === 'Garden'),
      'the project exists on the server',
    );

    // tasks added while the project is open go into it, in the order they were added
    for (const title of ['Buy soil', 'Plant tulips', 'Water roses']) {
      await page.locator('#quick-add').fill(title);
      await page.locator('#quick-add').press('Enter');
      await row(page, title).waitFor();
    }
    assert.deepEqual(await topTitles(page), ['Buy soil', 'Plant tulips', 'Water roses']);
    const inProject = await api.get(`/api/${s.userId}/tasks?project_id=${projectId}&status=all`);
    assert.equal(inProject.body.length, 3, 'created in the project');

    // subtasks: nested under their parent, with progress
    await page.getByRole('button', { name: 'Add subtask to “Plant tulips”' }).click();
    const sub = page.getByLabel('Subtask of “Plant tulips”');
    await sub.fill('Dig holes');
    await sub.press('Enter');
    await row(page, 'Dig holes').waitFor();
    await sub.fill('Place bulbs');
    await sub.press('Enter');
    await row(page, 'Place bulbs').waitFor();
    await sub.press('Escape');
    const parent = row(page, 'Plant tulips');
    await parent.getByTestId('progress').getByText('0/2').waitFor();
    const nested = page.locator('[data-testid="task-row"]:has-text("Plant tulips") + ul [data-testid="task-row"] .task-title');
    assert.deepEqual(await nested.allTextContents(), ['Dig holes', 'Place bulbs'], 'subtasks nested under their parent');
    await row(page, 'Dig holes').getByRole('checkbox').click();
    await parent.getByTestId('progress').getByText('1/2').waitFor();
    await shot(page, 'project-desktop');

    // collapse / expand
    const twisty = page.getByRole('button', { name: 'Subtasks of “Plant tulips”' });
    assert.equal(await twisty.getAttribute('aria-expanded'), 'true');
    await twisty.click();
    await row(page, 'Place bulbs').waitFor({ state: 'detached' });
    assert.equal(await twisty.getAttribute('aria-expanded'), 'false');
    await twisty.click();
    await row(page, 'Place bulbs').waitFor();

    // reorder by keyboard: Alt+↑ on the handle, announced, kept by the server
    const serverOrder = async () =>
      (await api.get(`/api/${s.userId}/tasks?project_id=${projectId}&top_level=true&sort=position&status=pending`)).body.map(
        (t: { title: string }) => t.title,
      );
    const handle = page.getByRole('button', { name: 'Reorder “Water roses”' });
    await handle.focus();
    await page.keyboard.press('Alt+ArrowUp');
    await page.getByTestId('announcer').getByText('Moved “Water roses” to position 2 of 3.').waitFor();
    assert.deepEqual(await topTitles(page), ['Buy soil', 'Water roses', 'Plant tulips']);
    assert.equal(await page.evaluate<string>('document.activeElement?.getAttribute("aria-label")'), 'Reorder “Water roses”', 'focus stays');
    await eventually(async () => JSON.stringify(await serverOrder()) === JSON.stringify(['Buy soil', 'Water roses', 'Plant tulips']));

    // reorder by drag: "Buy soil" from the top to below the last one
    const from = await page.getByRole('button', { name: 'Reorder “Buy soil”' }).boundingBox();
    const last = await row(page, 'Plant tulips').boundingBox();
    const below = await page.locator('#task-list > li').last().boundingBox();
    assert.ok(from && last && below);
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(from.x + from.width / 2, from.y + 40, { steps: 4 });
    await page.mouse.move(from.x + from.width / 2, below.y + below.height - 5, { steps: 8 });
    await page.mouse.up();
    await eventually(async () => JSON.stringify(await serverOrder()) === JSON.stringify(['Water roses', 'Plant tulips', 'Buy soil']));
    await waitInPage(
      page,
      `[...document.querySelectorAll('#task-list > li > [data-testid="task-row"] .task-title')].map((e) => e.textContent).join() === 'Water roses,Plant tulips,Buy soil'`,
    );

    // the order and the tree survive a reload of the deep link
    await page.reload();
    await row(page, 'Place bulbs').waitFor();
    assert.deepEqual(await topTitles(page), ['Water roses', 'Plant tulips', 'Buy soil']);

    // the sidebar counts open tasks (subtasks included): 3 + 1
    const link = page.getByTestId('project-link').filter({ hasText: 'Garden' });
    await link.locator('.nav-count', { hasText: /^4 open tasks$/ }).waitFor();
    assert.equal(await link.getAttribute('aria-current'), 'page');

    // views are history entries: back and forward
    await page.getByRole('link', { name: /^Today/ }).click();
    await page.getByRole('heading', { name: 'Today', level: 1 }).waitFor();
    await page.goBack();
    await page.getByRole('heading', { name: 'Garden', level: 1 }).waitFor();
    await row(page, 'Buy soil').waitFor();
    await page.goForward();
    await page.getByRole('heading', { name: 'Today', level: 1 }).waitFor();

    // rename, recolor, then delete it with its tasks
    await page.goBack();
    await page.getByRole('button', { name: 'Edit project' }).click();
    await page.getByRole('dialog', { name: 'Edit project' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Garden 2027');
    await page.getByLabel('Color', { exact: true }).fill('#15803d');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Garden 2027', level: 1 }).waitFor();
    await page.getByTestId('project-link').filter({ hasText: 'Garden 2027' }).waitFor();
    const renamed = (await api.get(`/api/${s.userId}/projects/${projectId}`)).body;
    assert.equal(renamed.name, 'Garden 2027');
    assert.equal(renamed.color, '#15803d');
    await page.getByRole('button', { name: 'Edit project' }).click();
    await page.getByRole('button', { name: 'Delete project…' }).click();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
    assert.equal(await page.getByTestId('project-link').count(), 0);
    assert.equal((await api.get(`/api/${s.userId}/projects/${projectId}`)).status, 404);
    assert.equal((await api.get(`/api/${s.userId}/tasks?status=all`)).body.length, 0, 'its tasks went with it');
    await context.close();
  });

  test('quick add: "@project" is shown in the preview and files the task there', async () => {
    const s = await signUp(app.url, 'quickproject');
    const api = client(app.url, s.token);
    const created = await api.post(`/api/${s.userId}/projects`, { name: 'Home Office', color: '#7c3aed' });
    assert.equal(created.status, 201);
    const context = await newContext(browser);
    const page = await signedInPage(context, app.url, s);
    await page.getByTestId('project-link').filter({ hasText: 'Home Office' }).waitFor();

    await page.locator('#quick-add').fill('Order a chair @home-office tomorrow 9am #desk');
    await page.getByTestId('preview-project').getByText('Home Office').waitFor();
    await page.getByText('Due Tomorrow 09:00').waitFor();
    await page.locator('#quick-add').press('Enter');
    await page.getByText('Added “Order a chair” to Home Office').waitFor();
    const [task] = (await api.get(`/api/${s.userId}/tasks?project_id=${created.body.id}`)).body;
    assert.equal(task?.title, 'Order a chair');
    assert.deepEqual(task?.tags, ['desk']);

    // the editor moves it to another project
    await page.getByRole('link', { name: /^Home Office/ }).click();
    await row(page, 'Order a chair').locator('.task-title').click();
    await page.getByRole('dialog', { name: 'Edit task' }).waitFor();
    assert.equal(await page.getByLabel('Project', { exact: true }).inputValue(), String(created.body.id));
    await page.getByLabel('Project', { exact: true }).selectOption({ label: 'Inbox' });
    await page.getByRole('button', { name: 'Save' }).click();
    await row(page, 'Order a chair').waitFor({ state: 'detached' });
    assert.equal(await page.evaluate<string>('location.hash'), `#/projects/${created.body.id}`, 'back to the view it was opened from');
    const inbox = (await api.get(`/api/${s.userId}/projects`)).body.find((p: { inbox: boolean }) => p.inbox);
    assert.equal((await api.get(`/api/${s.userId}/tasks/${task?.id}`)).body.project_id, inbox.id);

    // an unknown project is said in the preview, and nothing is added
    await page.locator('#quick-add').fill('Call the plumber @nowhere');
    await page.getByTestId('preview-project').getByText('@nowhere: no such project').waitFor();
    await page.locator('#quick-add').press('Enter');
    await page
      .locator('#err-quick-add')
      .getByText(/no project “nowhere”/)
      .waitFor();
    assert.equal((await api.get(`/api/${s.userId}/tasks?status=all`)).body.length, 1);

    // project changes made elsewhere reach the sidebar live (the stream's `project` events)
    const garage = (await api.post(`/api/${s.userId}/projects`, { name: 'Garage' })).body;
    await page.getByTestId('project-link').filter({ hasText: 'Garage' }).waitFor();
    assert.equal((await api.put(`/api/${s.userId}/projects/${garage.id}`, { name: 'Workshop' })).status, 200);
    await page.getByTestId('project-link').filter({ hasText: 'Workshop' }).waitFor();
    assert.equal((await api.del(`/api/${s.userId}/projects/${garage.id}`)).status, 204);
    await page.getByTestId('project-link').filter({ hasText: 'Workshop' }).waitFor({ state: 'detached' });
    await context.close();
  });

  test('Today shows an overdue task; Upcoming groups by day in the user’s zone and week start', async () => {
    const s = await signUp(app.url, 'views');
    const api = client(app.url, s.token);
    assert.equal((await api.put(`/api/${s.userId}/preferences`, { timezone: ZONE, week_start: 'sunday' })).status, 200);
    const today = dayIn(new Date(), ZONE);
    const at = (key: string, hour: number) => new Date(startOfDay(key, ZONE).getTime() + hour * 3600_000).toISOString();
    for (const t of [
      { title: 'Pay the invoice', due_date: at(addDays(today, -2), 10) },
      { title: 'Early call', due_date: at(today, 0.25) },
      { title: 'Tomorrow task', due_date: at(addDays(today, 1), 10) },
      { title: 'In three days', due_date: at(addDays(today, 3), 10) },
      { title: 'In five days', due_date: at(addDays(today, 5), 18) },
      { title: 'No date' },
    ])
      assert.equal((await api.post(`/api/${s.userId}/tasks`, t)).status, 201);

    const context = await newContext(browser);
    const page = await signedInPage(context, app.url, s, '#/today');
    await page.getByRole('heading', { name: 'Today', level: 1 }).waitFor();
    const overdue = page.locator('[data-testid="day-group"][data-day="overdue"]');
    await overdue.getByText('Pay the invoice').waitFor();
    assert.match((await row(page, 'Pay the invoice').getAttribute('class')) ?? '', /overdue/);
    const todayGroup = page.locator('[data-testid="day-group"][data-day="today"]');
    await todayGroup.getByText('Early call').waitFor();
    assert.equal(await page.getByText('Tomorrow task').count(), 0, 'tomorrow is not today');
    assert.equal(await page.getByText('No date').count(), 0);
    await page
      .getByRole('link', { name: /^Today/ })
      .locator('.nav-count', { hasText: /^2 open tasks$/ })
      .waitFor();
    await shot(page, 'today-desktop');

    await page.getByRole('link', { name: /^Upcoming/ }).click();
    await page.getByRole('heading', { name: 'Upcoming', level: 1 }).waitFor();
    const day = (key: string) => page.locator(`[data-testid="day-group"][data-day="${key}"]`);
    await day(addDays(today, 1)).getByText('Tomorrow task').waitFor();
    await day(addDays(today, 3)).getByText('In three days').waitFor();
    await day(addDays(today, 5)).getByText('In five days').waitFor();
    assert.match((await day(addDays(today, 1)).locator('h3').textContent()) ?? '', /^Tomorrow/);
    assert.equal(await day(addDays(today, 2)).locator('[data-testid="task-row"]').count(), 0);
    assert.equal(await page.getByText('Pay the invoice').count(), 0, 'overdue is Today’s, not Upcoming’s');
    // every day of the range is shown, in weeks that start on Sunday (the preference)
    const days = await page.locator('[data-testid="day-group"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-day')));
    assert.deepEqual(
      days,
      [0, 1, 2, 3, 4, 5, 6].map((n) => addDays(today, n)),
      'seven days, today the first',
    );
    const weeks = await page
      .locator('[data-testid="week-group"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-week') as string));
    assert.ok(weeks.length >= 2);
    for (const w of weeks) assert.equal(new Date(`${w}T00:00:00Z`).getUTCDay(), 0, `week ${w} starts on a Sunday`);
    await shot(page, 'upcoming-desktop');

    // a longer range is a deep link too
    await page.getByLabel('Show').selectOption('14');
    assert.equal(await page.evaluate<string>('location.hash'), '#/upcoming/14');
    await day(addDays(today, 13)).waitFor();
    await context.close();
  });

  test('settings: name, time zone and week start are saved; the password form reports the server', async () => {
    const s = await signUp(app.url, 'settings');
    const api = client(app.url, s.token);
    const context = await newContext(browser);
    const page = await signedInPage(context, app.url, s);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    assert.equal(await page.evaluate<string>('location.hash'), '#/settings');

    await page.getByLabel('Display name', { exact: true }).fill('Grace');
    await page.getByLabel('Time zone', { exact: true }).selectOption('America/New_York');
    await page.getByRole('radio', { name: 'Sunday' }).check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved').waitFor();
    const prefs = (await api.get(`/api/${s.userId}/preferences`)).body;
    assert.equal(prefs.timezone, 'America/New_York');
    assert.equal(prefs.week_start, 'sunday');
    assert.equal(prefs.name, 'Grace');
    await shot(page, 'settings-desktop');

    // a deep link after a reload shows what was saved
    await page.reload();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await waitInPage(page, `document.getElementById('s-zone')?.value === 'America/New_York'`);
    assert.equal(await page.getByLabel('Display name', { exact: true }).inputValue(), 'Grace');
    assert.ok(await page.getByRole('radio', { name: 'Sunday' }).isChecked());

    // and Upcoming's weeks follow it
    await page.getByRole('link', { name: /^Upcoming/ }).click();
    const first = await page.locator('[data-testid="week-group"]').first().getAttribute('data-week');
    assert.equal(new Date(`${first}T00:00:00Z`).getUTCDay(), 0);

    // password: mismatched confirmation is caught here, a wrong current password by the server
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Current password', { exact: true }).fill('not my password');
    await page.getByLabel('New password', { exact: true }).fill('too short');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.locator('#err-pw-new_password').getByText('At least 12 characters.').waitFor();
    assert.equal(await page.evaluate<string>('document.activeElement?.id'), 'pw-new_password', 'focus on the field to fix');
    await page.getByLabel('New password', { exact: true }).fill('velvet otter harbour 1977 quietly');
    await page.getByLabel('Repeat the new password', { exact: true }).fill('something else entirely');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('The two new passwords differ.').waitFor();
    await page.getByLabel('Repeat the new password', { exact: true }).fill('velvet otter harbour 1977 quietly');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.locator('#err-pw-current_password, .settings .form-error').first().waitFor();
    assert.equal(await page.evaluate<string>('location.hash'), '#/settings', 'still signed in');
    await context.close();
  });

  test('phone: the sidebar is a drawer — focus kept inside, Escape closes, a link navigates and closes it', async () => {
    const s = await signUp(app.url, 'drawer');
    const context = await newContext(browser, { phone: true });
    const page = await signedInPage(context, app.url, s);
    assert.equal(await page.getByRole('link', { name: /^Upcoming/ }).isVisible(), false, 'hidden until opened');
    const menu = page.getByRole('button', { name: 'Menu', exact: true });
    await menu.click();
    const drawer = page.getByRole('dialog', { name: 'Menu' });
    await drawer.waitFor();
    assert.equal(await menu.getAttribute('aria-expanded'), 'true');
    assert.ok(await page.evaluate<boolean>(`document.getElementById('sidebar').contains(document.activeElement)`), 'focus moved in');
    for (let i = 0; i < 12; i++) await page.keyboard.press('Tab');
    assert.ok(await page.evaluate<boolean>(`document.getElementById('sidebar').contains(document.activeElement)`), 'focus stays in');
    await shot(page, 'drawer-phone');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate<string>('document.activeElement?.id'), 'menu-button', 'focus back on the button');

    await menu.click();
    await page.getByRole('link', { name: /^Upcoming/ }).click();
    await page.getByRole('heading', { name: 'Upcoming', level: 1 }).waitFor();
    await drawer.waitFor({ state: 'detached' });
    const noHorizontalScroll = () => page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');
    assert.ok(await noHorizontalScroll(), 'no horizontal scrolling');

    // a project with subtasks four levels deep still fits the width
    const api = client(app.url, s.token);
    const project = (await api.post(`/api/${s.userId}/projects`, { name: 'Renovation', color: '#b91c1c' })).body;
    let parent: number | undefined;
    for (const title of ['Kitchen cabinets and worktop', 'Order the worktop in oak', 'Measure the walls twice', 'Borrow the laser meter']) {
      const t = await api.post(`/api/${s.userId}/tasks`, { title, project_id: project.id, ...(parent ? { parent_id: parent } : {}) });
      assert.equal(t.status, 201, JSON.stringify(t.body));
      parent = t.body.id;
    }
    await menu.click();
    await page.getByTestId('project-link').filter({ hasText: 'Renovation' }).click();
    await row(page, 'Borrow the laser meter').waitFor();
    assert.ok(await noHorizontalScroll(), 'no horizontal scrolling in a deep tree');
    await shot(page, 'project-phone');
    await context.close();
  });
});
