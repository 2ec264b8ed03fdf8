/**
 * Sharing in the web app: two browser contexts of two users on one shared project.
 * The owner shares it through the share dialog; each sees the other's changes live (SSE, no
 * reload); the member's initials show on the project and on a task assigned in the editor; the
 * "Assigned to me" filter; leaving removes the project from the member's sidebar. Every wait is
 * for a condition in the page.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { client, signUp, type Session, type TestApp } from '../support/app.js';
import { newContext, shot, signedInPage, serviceAndBrowser } from './browser.js';

let app: TestApp;
let browser: Browser;

serviceAndBrowser({}, (a, b) => ([app, browser] = [a, b]));

const row = (page: Page, title: string) =>
  page.locator('[data-testid="task-row"]', { has: page.locator('.task-title', { hasText: title }) });

describe('sharing in the web app', () => {
  test('two users on one shared project see each other’s changes live', async () => {
    const [ann, ben] = (await Promise.all([signUp(app.url, 'ann'), signUp(app.url, 'ben')])) as [Session, Session];
    const annApi = client(app.url, ann.token);
    const project = (await annApi.post(`/api/${ann.userId}/projects`, { name: 'Shared groceries' })).body;
    const annCtx = await newContext(browser);
    const benCtx = await newContext(browser);
    try {
      const annPage = await signedInPage(annCtx, app.url, ann, `#/projects/${project.id}`);
      await annPage.locator('.live-live').waitFor();

      // Ann shares the project through the dialog
      await annPage.getByRole('button', { name: 'Share' }).click();
      const dialog = annPage.getByRole('dialog', { name: /Share/ });
      await dialog.waitFor();
      await dialog.getByLabel('Invite by email').fill(`nobody-${Date.now()}@example.com`);
      await dialog.getByRole('button', { name: 'Invite' }).click();
      await dialog.locator('#err-email').waitFor(); // an unknown email is refused next to its field
      await dialog.getByLabel('Invite by email').fill(ben.email);
      await dialog.getByLabel('Role').selectOption('editor');
      await dialog.getByRole('button', { name: 'Invite' }).click();
      await dialog.locator(`[data-member="${ben.email.toLowerCase()}"]`).waitFor();
      await shot(annPage, 'share-dialog-desktop');
      await dialog.getByRole('button', { name: 'Done' }).click();
      await annPage.locator('.avatars .avatar').nth(1).waitFor(); // both members' initials on the project

      const benPage = await signedInPage(benCtx, app.url, ben, `#/projects/${project.id}`);
      await benPage.locator('.live-live').waitFor();
      await benPage.getByRole('heading', { name: 'Shared groceries' }).waitFor();

      // Ann adds a task: it appears on Ben's screen without a reload
      await annApi.post(`/api/${ann.userId}/tasks`, { title: 'Oat milk', project_id: project.id });
      await row(benPage, 'Oat milk').waitFor();
      await row(annPage, 'Oat milk').waitFor();

      // Ben assigns it to himself in the editor: Ann sees his initials on it, live
      await row(benPage, 'Oat milk').locator('.task-title').click();
      const editor = benPage.getByRole('dialog', { name: 'Edit task' });
      await editor.waitFor();
      await editor.getByLabel('Assignee').selectOption(ben.userId);
      await editor.getByRole('button', { name: 'Save' }).click();
      await editor.waitFor({ state: 'detached' });
      await row(annPage, 'Oat milk').locator('.assignee .avatar').waitFor();
      await shot(annPage, 'shared-project-assigned-desktop');

      // Ben completes it: it leaves Ann's list of open tasks, live
      await row(benPage, 'Oat milk').getByRole('checkbox').click();
      await row(annPage, 'Oat milk').waitFor({ state: 'detached' });

      // "Assigned to me" in the all-tasks list
      await annApi.post(`/api/${ann.userId}/tasks`, { title: 'Bread', project_id: project.id, assignee_id: ben.userId });
      await annApi.post(`/api/${ann.userId}/tasks`, { title: 'Butter', project_id: project.id });
      await benPage.goto(`${app.url}/#/`);
      await row(benPage, 'Butter').waitFor();
      await benPage.getByTestId('filters-toggle').click();
      await benPage.getByLabel('Assigned to me').check();
      await row(benPage, 'Butter').waitFor({ state: 'detached' });
      await row(benPage, 'Bread').waitFor();

      // Ben leaves: the project goes from his sidebar; Ann sees one member less
      await benPage.goto(`${app.url}/#/projects/${project.id}`);
      await benPage.getByRole('button', { name: 'Members' }).click();
      await benPage.getByRole('button', { name: 'Leave project' }).click();
      await benPage.locator('nav').getByText('Shared groceries').waitFor({ state: 'detached' });
      const members = await annApi.get(`/api/${ann.userId}/projects/${project.id}/members`);
      assert.deepEqual(
        members.body.map((m: { user_id: string }) => m.user_id),
        [ann.userId],
      );
    } finally {
      await annCtx.close();
      await benCtx.close();
    }
  });
});
