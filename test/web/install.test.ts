/**
 * Installable and usable offline, in Chromium against the real service: the web
 * app manifest and its icons pass Chromium's own installability check under the strict CSP; the
 * service worker keeps the app shell (never the API), so with the server gone and the network off a
 * reload still opens the app, which says plainly that it is offline; back online, it loads again. A server that stops
 * answering while the network is up: the "Cannot reach the server" messages go once it answers again.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { client, signUp, startApp, type TestApp } from '../support/app.js';
import { ensureWebBuilt, launch, newContext, ROOT, shot, signedInPage, WEB_TEST_ENV } from './browser.js';

let app: TestApp;
let browser: Browser;
let port: number;

/** A port that was free a moment ago: the server comes back on the same origin (the worker's scope). */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const p = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return p;
}

before(async () => {
  ensureWebBuilt();
  port = await freePort();
  [app, browser] = await Promise.all([startApp({ ...WEB_TEST_ENV, PORT: String(port) }), launch()]);
});

after(async () => {
  await browser?.close();
  await app?.close();
});

/** Width and height from a PNG's IHDR. */
function pngSize(buf: Buffer): [number, number] {
  assert.equal(buf.subarray(1, 4).toString('latin1'), 'PNG');
  return [buf.readUInt32BE(16), buf.readUInt32BE(20)];
}

describe('installable app (item 15)', () => {
  test('the manifest and its icons: served under the CSP, small, and Chromium finds nothing that blocks installing', async () => {
    const res = await fetch(`${app.url}/manifest.webmanifest`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/manifest\+json/);
    assert.match(res.headers.get('content-security-policy') ?? '', /manifest-src 'self'/);
    const manifest = (await res.json()) as {
      name: string;
      start_url: string;
      display: string;
      icons: { src: string; sizes: string; type: string; purpose?: string }[];
    };
    assert.equal(manifest.name, 'Taskstream');
    assert.equal(manifest.display, 'standalone');
    for (const icon of manifest.icons) {
      const r = await fetch(new URL(icon.src, `${app.url}/manifest.webmanifest`));
      assert.equal(r.status, 200, icon.src);
      assert.equal(r.headers.get('content-type'), 'image/png');
      const buf = Buffer.from(await r.arrayBuffer());
      assert.deepEqual(pngSize(buf).join('x'), icon.sizes, icon.src);
      assert.ok(buf.length < 16_000, `${icon.src} is ${buf.length} bytes`);
    }
    assert.ok(manifest.icons.some((i) => i.purpose === 'maskable'));
    const sw = readFileSync(path.join(ROOT, 'dist/web/sw.js'), 'utf8');
    assert.doesNotMatch(sw, /__SHELL_FILES__|__SHELL_VERSION__/, 'the build wrote the shell list into the worker');

    // Chromium's own check, in a profile of its own: browser contexts count as incognito, where nothing installs
    const s = await signUp(app.url, 'install');
    const profile = await mkdtemp(path.join(tmpdir(), 'taskstream-profile-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await signedInPage(context, app.url, s);
      await page.evaluate('navigator.serviceWorker.ready');
      const cdp = await context.newCDPSession(page);
      const { url, errors } = (await cdp.send('Page.getAppManifest')) as { url: string; errors: { message: string }[] };
      assert.equal(url, `${app.url}/manifest.webmanifest`);
      assert.deepEqual(errors, []);
      const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: { errorId: string }[] };
      assert.deepEqual(installabilityErrors, []);
    } finally {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    }
  });

  test('offline: the shell opens from the worker with a clear offline state, no API response is stored, and it recovers', async () => {
    const s = await signUp(app.url, 'offline');
    assert.equal((await client(app.url, s.token).post(`/api/${s.userId}/tasks`, { title: 'Buy stamps' })).status, 201);
    for (const dark of [false, true]) {
      const context = await newContext(browser, { phone: dark, dark });
      const violations: string[] = [];
      await context.addInitScript({
        content: `document.addEventListener('securitypolicyviolation', (e) => console.error('CSP ' + e.violatedDirective + ' ' + e.blockedURI));`,
      });
      context.on('console', (m) => /^CSP /.test(m.text()) && violations.push(m.text()));
      const page = await signedInPage(context, app.url, s);
      await page.locator('.task-title', { hasText: 'Buy stamps' }).waitFor();
      await page.evaluate('navigator.serviceWorker.ready');
      // the editor's chunk too: the shell is every chunk of the build
      const cached = await page.evaluate<string[]>(
        `caches.keys().then((ks) => Promise.all(ks.map((k) => caches.open(k).then((c) => c.keys())))).then((all) => all.flat().map((r) => new URL(r.url).pathname))`,
      );
      assert.ok(cached.includes('/index.html'), cached.join(' '));
      assert.ok(
        cached.some((p) => /^\/assets\/Editor-.*\.js$/.test(p)),
        cached.join(' '),
      );
      assert.ok(cached.includes('/manifest.webmanifest'));

      // the server gone and the network off: a reload still opens the app, and says it is offline
      await app.close({ keepData: true });
      await context.setOffline(true);
      await page.reload();
      await page.locator('#list-heading').waitFor();
      const banner = page.getByTestId('offline');
      await banner.getByText(/You’re offline/).waitFor();
      assert.equal(await page.locator('.live').textContent(), 'Offline');
      await page.getByText('Your tasks will show when you’re back online').waitFor();
      await shot(page, dark ? 'offline-phone-dark' : 'offline-desktop-light');
      // still signed in (an unreachable server is no sign-out), and nothing of the API was stored
      assert.equal(await page.getByRole('heading', { name: 'Sign in' }).count(), 0);
      const after = await page.evaluate<string[]>(
        `caches.keys().then((ks) => Promise.all(ks.map((k) => caches.open(k).then((c) => c.keys())))).then((all) => all.flat().map((r) => new URL(r.url).pathname))`,
      );
      assert.deepEqual(
        after.filter((p) => p.startsWith('/api/')),
        [],
      );

      // back online: the banner goes and the tasks load
      app = await startApp({ ...WEB_TEST_ENV, PORT: String(port) }, { dataDir: app.dataDir });
      await context.setOffline(false);
      await banner.getByText(/You’re offline/).waitFor({ state: 'detached' });
      await page.locator('.task-title', { hasText: 'Buy stamps' }).waitFor({ timeout: 15_000 });
      await page.locator('.live-live').waitFor({ timeout: 15_000 });
      assert.deepEqual(violations, []);
      await context.close();
    }
  });
});

describe('a server that cannot be reached (item 2)', () => {
  test('the server unreachable while the network is up: "Cannot reach the server" goes by itself once it answers', async () => {
    const s = await signUp(app.url, 'unreachable');
    assert.equal((await client(app.url, s.token).post(`/api/${s.userId}/tasks`, { title: 'Post the letter' })).status, 201);
    const context = await newContext(browser);
    const page = await signedInPage(context, app.url, s);
    await page.locator('.task-title', { hasText: 'Post the letter' }).waitFor();
    await page.evaluate('navigator.serviceWorker.ready');

    // the server restarts (or a proxy is down) while the browser says it is online: the app opens
    // from the worker's shell and each screen says it cannot reach the server
    const unreachable = /Cannot reach the server/;
    for (const [route, place] of [
      ['#/', page.getByText(/^Could not load tasks:/)],
      ['#/settings/integrations', page.getByText(/^Could not load the tokens:/)],
    ] as const) {
      await app.close({ keepData: true });
      await page.goto(`${app.url}/${route}`);
      await page.reload(); // a new page load, not a hash change
      await place.waitFor({ timeout: 15_000 });
      assert.match((await place.textContent()) ?? '', unreachable);
      assert.equal(await page.getByTestId('offline').textContent(), '', 'not offline: the network is there');
      if (route === '#/') await shot(page, 'unreachable-desktop');

      // the server answers again: the message goes without a click, and what it hid shows
      app = await startApp({ ...WEB_TEST_ENV, PORT: String(port) }, { dataDir: app.dataDir });
      await place.waitFor({ state: 'detached', timeout: 15_000 });
      if (route === '#/') await page.locator('.task-title', { hasText: 'Post the letter' }).waitFor();
      else await page.getByText('No tokens yet').waitFor();
      assert.equal(await page.getByText(unreachable).count(), 0);
    }
    await context.close();
  });
});
