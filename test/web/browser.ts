/**
 * Shared by the browser tests: the built web app (built once if missing), Debian's Chromium
 * driven by playwright-core (never a downloaded browser), sessions given as refresh-token cookies,
 * and screenshots under screenshots/ (git-ignored).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startApp, TEST_PASSWORD, type Session, type TestApp } from '../support/app.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SHOTS = path.join(ROOT, 'screenshots');

/** `npm test` builds first; a direct `node --test test/web/...` run builds here when needed. */
export function ensureWebBuilt(): void {
  if (existsSync(path.join(ROOT, 'dist/web/index.html'))) return;
  execFileSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A browser test file's set-up: the service (its web app built) and a Chromium, started before the
 * file's tests and closed after them; `ready` hands both to the file.
 */
export function serviceAndBrowser(env: Record<string, string>, ready: (app: TestApp, browser: Browser) => void): void {
  let app: TestApp | undefined;
  let browser: Browser | undefined;
  before(async () => {
    ensureWebBuilt();
    [app, browser] = await Promise.all([startApp(env), launch()]);
    ready(app, browser);
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });
}

export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };
export const ZONE = 'Europe/Berlin';

export async function newContext(browser: Browser, opts: { phone?: boolean; dark?: boolean } = {}): Promise<BrowserContext> {
  return browser.newContext({
    viewport: opts.phone ? PHONE : DESKTOP,
    deviceScaleFactor: 1,
    isMobile: opts.phone ?? false,
    hasTouch: opts.phone ?? false,
    locale: 'en-GB',
    timezoneId: ZONE,
    colorScheme: opts.dark ? 'dark' : 'light',
  });
}

/**
 * Start signed in, as the app does after a reload: a refresh-token cookie of its own (a new sign-in
 * of this context: refresh tokens are single-use, and two contexts must not share one) and the
 * remembered account; the app gets its access token from the cookie.
 */
export async function signedInPage(context: BrowserContext, baseUrl: string, s: Session, hash = '#/'): Promise<Page> {
  await signInContext(context, baseUrl, s);
  const page = await context.newPage();
  await page.goto(`${baseUrl}/${hash}`);
  await page.locator('#list-heading').waitFor();
  return page;
}

/** A refresh-token cookie of its own for `context` (a fresh sign-in) and the account the app remembers. */
export async function signInContext(context: BrowserContext, baseUrl: string, s: Session): Promise<void> {
  const login = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: s.email, password: TEST_PASSWORD }),
  });
  const cookie = login.headers.getSetCookie().find((c) => c.startsWith('taskstream_refresh='));
  if (login.status !== 200 || !cookie) throw new Error(`sign-in for the page failed: ${login.status}`);
  const value = cookie.split(';')[0]!.slice('taskstream_refresh='.length);
  const { hostname } = new URL(baseUrl);
  await context.addCookies([
    { name: 'taskstream_refresh', value, domain: hostname, path: '/api/auth', httpOnly: true, sameSite: 'Strict' },
  ]);
  const account = JSON.stringify({ userId: s.userId, email: s.email });
  // a string script: this file is type-checked without the DOM library
  await context.addInitScript({
    content: `if (!localStorage.getItem('taskstream.account')) localStorage.setItem('taskstream.account', ${JSON.stringify(account)});`,
  });
}

/** Web test apps: a browser test signs in once per page, more often than a person would in a minute. */
export const WEB_TEST_ENV = { LOGIN_ATTEMPTS_PER_MINUTE: '1000' };

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });
}

/** Wall-clock "YYYY-MM-DDTHH:MM:SS" of an instant in a zone (what datetime-local inputs take). */
export function wallClock(d: Date, zone = ZONE): string {
  const s = new Intl.DateTimeFormat('sv-SE', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(d);
  return s.replace(' ', 'T');
}

/**
 * Wait until `expression` is truthy in the page. Not `page.waitForFunction`: it evaluates its string
 * with eval inside the page, which the app's Content-Security-Policy forbids; `page.evaluate` runs
 * through the DevTools protocol, which the policy does not govern.
 */
export async function waitInPage(page: Page, expression: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate<unknown>(expression))) {
    if (Date.now() > deadline) throw new Error(`not true in the page within ${timeoutMs} ms: ${expression}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface AxeViolation {
  id: string;
  nodes: { target: string[]; failureSummary: string }[];
}

/**
 * axe-core's violations under `selector` (WCAG 2.x A/AA, or only `rules`), run through DevTools:
 * not a <script>, which the app's CSP would refuse, rightly.
 */
export async function axeViolations(page: Page, selector: string, rules?: string[]): Promise<AxeViolation[]> {
  if (!(await page.evaluate<boolean>('typeof window.axe === "object"')))
    await page.evaluate(readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));
  const only = rules
    ? `{ type: 'rule', values: ${JSON.stringify(rules)} }`
    : `{ type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] }`;
  return page.evaluate<AxeViolation[]>(
    `axe.run(document.querySelector(${JSON.stringify(selector)}), { runOnly: ${only} }).then((r) => r.violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) })))`,
  );
}
