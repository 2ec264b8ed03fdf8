/**
 * Size budget of the web app: the JavaScript the first screen loads (gzip, from the build output).
 * A size, not a speed: deterministic. The 500-task time-to-interactive is a benchmark
 * (`npm run bench:web`, bench/web-tti.ts), because nothing in `npm test` may depend on speed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { before, test } from 'node:test';
import { ensureWebBuilt, ROOT } from './browser.js';

before(() => ensureWebBuilt());

test('the first screen ships under 200 KB of JavaScript (gzip)', () => {
  const dist = path.join(ROOT, 'dist/web');
  const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
  // what the browser fetches before the first screen: the entry script and its modulepreloads
  const js = [...html.matchAll(/<script[^>]+src="([^"]+\.js)"|<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g)].map((m) => m[1] ?? m[2]);
  const css = [...html.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g)].map((m) => m[1]);
  const size = (files: (string | undefined)[]) =>
    files.reduce((sum, f) => sum + gzipSync(readFileSync(path.join(dist, f as string)), { level: 9 }).length, 0);
  const jsKb = size(js) / 1024;
  const cssKb = size(css) / 1024;
  console.log(`# first-screen JS: ${jsKb.toFixed(1)} KB gzip (${js.join(', ')}); CSS: ${cssKb.toFixed(1)} KB gzip`);
  assert.ok(js.length >= 1, 'the entry script is found');
  assert.ok(jsKb < 200, `first-screen JS is ${jsKb.toFixed(1)} KB gzip`);
  assert.ok(!js.some((f) => /Editor|en-/.test(f ?? '')), 'the editor and the date parser are loaded on demand');
});

test('the service worker is built to a stable URL at the root, as one classic script', () => {
  const sw = readFileSync(path.join(ROOT, 'dist/web/sw.js'), 'utf8');
  // a module worker (import/export) would not run where `{ type: 'module' }` is unsupported
  assert.doesNotMatch(sw, /^\s*(import|export)\b|\bimport\s*\(/m);
  assert.match(sw, /notificationclick/);
});
