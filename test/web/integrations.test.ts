/**
 * Settings → Integrations in the browser: an access token created, its secret shown once (copied,
 * gone after Done and after a reload), listed, revoked after a confirmation (the token then gets
 * 401); a webhook created against a real loopback receiver, a signed test event delivered, the
 * webhook disabled by failures (shown live, from the owner's notification) and re-enabled; the
 * calendar feed URL copied, subscribed to, regenerated (the old URL dead), shown again after a
 * reload, a project's own feed; the MCP snippet carrying the new token. Screenshots at desktop
 * and phone width, light and dark. Every wait is for a condition in the page or the API.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { client, eventually, signUp, startApp, type Session, type TestApp } from '../support/app.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { axeViolations, ensureWebBuilt, launch, newContext, SHOTS, signedInPage, WEB_TEST_ENV } from './browser.js';

let app: TestApp;
let browser: Browser;
let rx: Receiver;

before(async () => {
  ensureWebBuilt();
  [app, browser, rx] = await Promise.all([
    startApp({
      ...WEB_TEST_ENV,
      WEBHOOK_ALLOW_PRIVATE: '1',
      WEBHOOK_RETRY_BASE_MS: '200',
      WEBHOOK_POLL_MS: '50',
      WEBHOOK_MAX_ATTEMPTS: '5',
      WEBHOOK_DISABLE_AFTER: '2',
      WEBHOOK_TIMEOUT_MS: '2000',
    }),
    launch(),
    startReceiver(),
  ]);
});

after(async () => {
  await browser?.close();
  await app?.close();
  await rx?.close();
});

/** A context whose page may use the clipboard, on the Integrations screen reached through the sidebar. */
async function integrationsPage(
  s: Session,
  opts: { phone?: boolean; dark?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await newContext(browser, opts);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
  await context.addInitScript({
    content: `window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`,
  });
  const page = await signedInPage(context, app.url, s);
  if (opts.phone) await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('link', { name: 'Integrations' }).click();
  await page.getByRole('heading', { name: 'Access tokens' }).waitFor();
  return { context, page };
}

const clipboard = (page: Page) => page.evaluate<string>('navigator.clipboard.readText()');

async function fullShot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

describe('Settings → Integrations', () => {
  test('access token: created, the secret shown once and copied, listed, revoked after a confirmation', async () => {
    const s = await signUp(app.url, 'tokens-ui');
    const api = client(app.url, s.token);
    const { context, page } = await integrationsPage(s);
    assert.equal(await page.evaluate<string>('location.hash'), '#/settings/integrations');

    // a name is required: said next to the field, nothing created
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.locator('#err-tok-name').waitFor();
    assert.deepEqual((await api.get(`/api/${s.userId}/tokens`)).body, []);

    await page.locator('#tok-name').fill('Reporting script');
    await page.getByLabel(/Change tasks/).uncheck();
    await page.getByLabel('Expires').selectOption({ label: 'In 30 days' });
    await page.getByRole('button', { name: 'Create token' }).click();
    const panel = page.getByTestId('secret-once');
    await panel.waitFor();
    const secret = await page.locator('#new-token').inputValue();
    assert.match(secret, /^tsk_[A-Za-z0-9_-]{43}$/);
    assert.match(await panel.innerText(), /will not be shown again/);
    assert.equal(await page.evaluate<string>('document.activeElement.id'), 'new-token', 'focus on the new secret');
    await panel.getByRole('button', { name: 'Copy new access token' }).click();
    await panel.getByRole('button', { name: 'Copied new access token' }).waitFor();
    assert.equal(await clipboard(page), secret);
    await panel.screenshot({ path: path.join(SHOTS, 'integrations-token-created-desktop.png') });

    // listed (API and screen) with its scope and expiry; it works for reads only
    const listed = (await api.get(`/api/${s.userId}/tokens`)).body;
    assert.equal(listed.length, 1);
    assert.deepEqual([listed[0].name, listed[0].scopes], ['Reporting script', ['tasks:read']]);
    const days = (Date.parse(listed[0].expires_at) - Date.now()) / 86_400_000;
    assert.ok(days > 29.9 && days <= 30, `expires in 30 days (${days})`);
    const row = page.getByTestId('token-row').filter({ hasText: 'Reporting script' });
    await row.waitFor();
    assert.match(await row.innerText(), new RegExp(`tsk_…${secret.slice(-4)}[\\s\\S]*Read tasks[\\s\\S]*never used`));
    const asToken = client(app.url, secret);
    assert.equal((await asToken.get(`/api/${s.userId}/tasks`)).status, 200);
    assert.equal((await asToken.post(`/api/${s.userId}/tasks`, { title: 'x' })).status, 403);
    // the MCP configuration carries the new token while its panel is open
    assert.match(await page.locator('#mcp-snippet').innerText(), new RegExp(`Bearer ${secret}`));
    await page.getByText('Claude Code', { exact: true }).click();
    assert.match(await page.locator('#mcp-snippet').innerText(), new RegExp(`claude mcp add --transport http taskstream ${app.url}/mcp`));

    // Done: the secret leaves the page for good
    await panel.getByRole('button', { name: /Done/ }).click();
    await panel.waitFor({ state: 'detached' });
    assert.ok(!(await page.content()).includes(secret), 'the secret is nowhere in the page');
    assert.match(await page.locator('#mcp-snippet').innerText(), /Bearer tsk_…"/);
    await page.reload();
    await row.waitFor();
    assert.ok(!(await page.content()).includes(secret), 'nor after a reload');

    // revoke: a confirmation first; Keep changes nothing
    await row.getByRole('button', { name: 'Revoke Reporting script' }).click();
    await row.getByRole('button', { name: 'Keep' }).click();
    assert.equal((await api.get(`/api/${s.userId}/tokens`)).body.length, 1);
    await row.getByRole('button', { name: 'Revoke Reporting script' }).click();
    await row.getByRole('button', { name: 'Revoke', exact: true }).click();
    await row.waitFor({ state: 'detached' });
    await page.getByText('No tokens yet.').waitFor();
    assert.deepEqual((await api.get(`/api/${s.userId}/tokens`)).body, []);
    assert.equal((await asToken.get(`/api/${s.userId}/tasks`)).status, 401, 'a revoked token is refused at once');
    assert.deepEqual(await page.evaluate<string[]>('window.__csp'), [], 'no CSP violation');
    await context.close();
  });

  test('webhook: created, a signed test event delivered, disabled by failures (live), re-enabled, deleted', async () => {
    const s = await signUp(app.url, 'hooks-ui');
    const api = client(app.url, s.token);
    const { context, page } = await integrationsPage(s);
    await page.locator('.live-live').waitFor();
    rx.respond = () => 200;

    await page.getByLabel('Receiver URL').fill(`${rx.url}/ui-hook`);
    await page.getByLabel('Task updated').check();
    await page.getByRole('button', { name: 'Add webhook' }).click();
    const secret = await page.locator('#new-webhook-secret').inputValue();
    assert.match(secret, /^whsec_/);
    const [hook] = (await api.get(`/api/${s.userId}/webhooks`)).body;
    assert.deepEqual(hook.events, ['task.created', 'task.updated', 'task.completed']);
    await page.getByTestId('secret-once').getByRole('button', { name: /Done/ }).click();
    const row = page.getByTestId('webhook-row');
    assert.equal(await row.getByTestId('webhook-status').innerText(), 'Active');
    await row.getByText('No deliveries yet.').waitFor();

    // a test event: signed with the secret shown once, its outcome shown on the row
    await row.getByRole('button', { name: 'Send test event' }).click();
    const got = await rx.next((r) => r.path === '/ui-hook' && r.json?.type === 'webhook.test');
    const verified = new StandardWebhook(secret).verify(got.body, {
      'webhook-id': String(got.headers['webhook-id']),
      'webhook-timestamp': String(got.headers['webhook-timestamp']),
      'webhook-signature': String(got.headers['webhook-signature']),
    }) as { data: { webhook_id: number } };
    assert.equal(verified.data.webhook_id, hook.id);
    await row
      .getByTestId('webhook-last')
      .filter({ hasText: /Test event — Delivered \(HTTP 200/ })
      .waitFor();

    // the receiver breaks: two failed attempts disable it; the row follows without a reload
    rx.respond = () => 503;
    await api.post(`/api/${s.userId}/tasks`, { title: 'goes nowhere' });
    await row.getByTestId('webhook-status').filter({ hasText: 'Disabled after 2 failures' }).waitFor({ timeout: 20_000 });
    assert.equal((await api.get(`/api/${s.userId}/webhooks/${hook.id}`)).body.enabled, false);
    assert.equal(await row.getByRole('button', { name: 'Send test event' }).count(), 0);
    await fullShot(page, 'integrations-webhook-disabled-desktop');

    // re-enabled: a clean failure count, and the delivery that was waiting goes out
    rx.respond = () => 200;
    await row.getByRole('button', { name: 'Re-enable' }).click();
    await row
      .getByTestId('webhook-status')
      .filter({ hasText: /^Active$/ })
      .waitFor();
    const enabled = (await api.get(`/api/${s.userId}/webhooks/${hook.id}`)).body;
    assert.deepEqual([enabled.enabled, enabled.consecutive_failures, enabled.disabled_at], [true, 0, null]);
    const log = await eventually(async () => {
      const r = (await api.get(`/api/${s.userId}/webhooks/${hook.id}/deliveries`)).body;
      return r[0]?.event_type === 'task.created' && r[0].status === 'succeeded' ? r : undefined;
    });
    assert.equal(log[0].attempts, 3, 'two failed attempts before the disable, one after the re-enable');

    await row.getByRole('button', { name: 'Delete…' }).click();
    await row.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByText('No webhooks yet.').waitFor();
    assert.deepEqual((await api.get(`/api/${s.userId}/webhooks`)).body, []);
    await context.close();
  });

  test('calendar feeds: the URL copied and served, regenerated (the old one dead), shown again after a reload; a project feed', async () => {
    const s = await signUp(app.url, 'feeds-ui');
    const api = client(app.url, s.token);
    const project = (await api.post(`/api/${s.userId}/projects`, { name: 'Garden' })).body;
    const due = new Date(Date.now() + 3 * 86_400_000).toISOString();
    await api.post(`/api/${s.userId}/tasks`, { title: 'Plant tulips', due_date: due, project_id: project.id });
    await api.post(`/api/${s.userId}/tasks`, { title: 'Renew passport', due_date: due });
    const { context, page } = await integrationsPage(s);

    const all = page.getByTestId('feed-all');
    await all.getByRole('button', { name: 'Create feed URL' }).click();
    const urlField = page.locator('#feed-url-all');
    await urlField.waitFor();
    const first = await urlField.inputValue();
    assert.match(first, new RegExp(`^${app.url}/ical/[A-Za-z0-9_-]{43}\\.ics$`));
    await all.getByRole('button', { name: 'Copy feed url: all my tasks' }).click();
    assert.equal(await clipboard(page), first);
    assert.equal(await all.getByRole('link', { name: 'Open in calendar app' }).getAttribute('href'), first.replace(/^http:/, 'webcal:'));
    const feed = await fetch(first);
    assert.equal(feed.status, 200);
    const text = await feed.text();
    assert.match(text, /SUMMARY:Plant tulips/);
    assert.match(text, /SUMMARY:Renew passport/);

    // regenerate: confirmed, a new URL, the old one dead at once
    await all.getByRole('button', { name: 'Regenerate URL…' }).click();
    await all.getByRole('button', { name: 'Regenerate', exact: true }).click();
    await eventually(async () => ((await urlField.inputValue()) !== first ? true : undefined));
    const second = await urlField.inputValue();
    assert.equal((await fetch(first)).status, 404);
    assert.equal((await fetch(second)).status, 200);
    // the URL can be shown again (a reload asks the server)
    await page.reload();
    await urlField.waitFor();
    assert.equal(await urlField.inputValue(), second);

    // one project's feed
    await page.getByLabel('Project', { exact: true }).selectOption({ label: 'Garden' });
    await page.getByRole('button', { name: 'Create project feed' }).click();
    const projectField = page.locator(`#feed-url-p${project.id}`);
    await projectField.waitFor();
    const projectText = await (await fetch(await projectField.inputValue())).text();
    assert.match(projectText, /SUMMARY:Plant tulips/);
    assert.doesNotMatch(projectText, /Renew passport/, 'only that project’s tasks');
    assert.match(projectText, /X-WR-CALNAME:Taskstream: Garden/);
    const feeds = (await api.get(`/api/${s.userId}/calendar-feeds`)).body;
    assert.deepEqual(
      feeds.map((f: any) => [f.project_id, f.url]),
      [
        [null, second],
        [project.id, await projectField.inputValue()],
      ],
    );

    // turned off: the project's URL dies
    const projectUrl = await projectField.inputValue();
    const projectFeed = page.getByTestId(`feed-p${project.id}`);
    await projectFeed.getByRole('button', { name: 'Turn off…' }).click();
    await projectFeed.getByRole('button', { name: 'Turn off', exact: true }).click();
    await projectField.waitFor({ state: 'detached' });
    assert.equal((await fetch(projectUrl)).status, 404);
    assert.deepEqual(await page.evaluate<string[]>('window.__csp'), []);
    await context.close();
  });

  test('screens: desktop and phone, light and dark; axe-core finds no WCAG A/AA violation', async () => {
    const s = await signUp(app.url, 'shots-ui');
    const api = client(app.url, s.token);
    await api.post(`/api/${s.userId}/calendar-feed`);
    await api.post(`/api/${s.userId}/tokens`, { name: 'Claude Desktop', scopes: ['tasks:read', 'tasks:write'] });
    rx.respond = () => 200;
    const hook = (await api.post(`/api/${s.userId}/webhooks`, { url: `${rx.url}/shots`, events: ['task.created', 'task.completed'] })).body;
    await api.post(`/api/${s.userId}/webhooks/${hook.id}/test`);
    await eventually(async () =>
      (await api.get(`/api/${s.userId}/webhooks/${hook.id}/deliveries`)).body[0]?.status === 'succeeded' ? true : undefined,
    );
    for (const [name, opts] of [
      ['desktop', {}],
      ['dark-desktop', { dark: true }],
      ['phone', { phone: true }],
      ['dark-phone', { phone: true, dark: true }],
    ] as const) {
      const { context, page } = await integrationsPage(s, opts);
      await page.getByTestId('webhook-last').filter({ hasText: 'Delivered' }).waitFor();
      await page.locator('#feed-url-all').waitFor();
      assert.ok(
        await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth'),
        `${name}: no horizontal scrolling`,
      );
      await fullShot(page, `integrations-${name}`);
      assert.deepEqual(await axeViolations(page, '.settings'), [], `${name}: WCAG A/AA`);
      assert.deepEqual(await axeViolations(page, '.settings', ['label-content-name-mismatch']), [], name);
      await context.close();
    }
  });
});
