/**
 * Shared by the browser tests: the built web app (built once if missing), Debian's Chromium
 * driven by playwright-core (never a downloaded browser), sessions injected into localStorage,
 * and screenshots under screenshots/ (git-ignored).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Session } from '../support/app.js';

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

/** Start signed in: the app keeps its session in localStorage (what a reload restores). */
export async function signedInPage(context: BrowserContext, baseUrl: string, s: Session, hash = '#/'): Promise<Page> {
  const value = JSON.stringify({ token: s.token, userId: s.userId, email: s.email, expiresAt: Date.now() + 3600_000 });
  // a string script: this file is type-checked without the DOM library
  await context.addInitScript({
    content: `if (!localStorage.getItem('taskstream.session')) localStorage.setItem('taskstream.session', ${JSON.stringify(value)});`,
  });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/${hash}`);
  await page.locator('#list-heading').waitFor();
  return page;
}

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
