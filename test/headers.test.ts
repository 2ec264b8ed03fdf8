/**
 * Security headers and /metrics access: the web app's strict CSP (its inline script by
 * hash, frame-ancestors 'none'), nosniff, no-referrer, COOP on every answer, swagger-ui's own
 * policy on /docs; /metrics for loopback callers only, or for the METRICS_TOKEN bearer.
 * (test/web/app.test.ts proves in Chromium that the app and /docs run under them.)
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyRequest } from 'fastify';
import { signUp, startApp, type Session, type TestApp } from './support/app.js';
import { inlineScriptHashes } from '../src/http/security-headers.js';
import { requireMetricsAccess } from '../src/http/metrics-access.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const INDEX = path.join(ROOT, 'dist/web/index.html');
const METRICS_TOKEN = 'a-metrics-token-for-the-test-0123';

const directives = (csp: string) =>
  Object.fromEntries(
    csp
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name, ...values] = d.split(/\s+/);
        return [name!, values];
      }),
  );

describe('security headers', () => {
  let app: TestApp;
  let me: Session;
  before(async () => {
    // npm test builds first; the web app must be there for this test to mean anything
    assert.ok(existsSync(INDEX), 'dist/web/index.html (run npm run build)');
    app = await startApp();
    me = await signUp(app.url, 'headers');
  });
  after(async () => app?.close());

  const common = (h: Headers, what: string) => {
    assert.equal(h.get('x-content-type-options'), 'nosniff', what);
    assert.equal(h.get('referrer-policy'), 'no-referrer', what);
    assert.equal(h.get('cross-origin-opener-policy'), 'same-origin', what);
    assert.equal(h.get('x-frame-options'), 'DENY', what);
    assert.deepEqual(directives(h.get('content-security-policy') ?? '')['frame-ancestors'], ["'none'"], what);
  };

  test('the web app: scripts from this origin and the inline theme script by its hash, nothing else', async () => {
    const res = await fetch(`${app.url}/`);
    assert.equal(res.status, 200);
    const html = await res.text();
    common(res.headers, '/');
    const csp = directives(res.headers.get('content-security-policy')!);
    const inline = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    assert.equal(inline.length, 1, 'index.html has its theme script inline');
    const hash = `'sha256-${createHash('sha256').update(inline[0]!).digest('base64')}'`;
    assert.deepEqual(csp['script-src'], ["'self'", hash]);
    assert.deepEqual(csp['default-src'], ["'self'"]);
    assert.deepEqual(csp['object-src'], ["'none'"]);
    assert.deepEqual(csp['base-uri'], ["'none'"]);
    assert.deepEqual(csp['style-src'], ["'self'"], 'no unsafe-inline styles');
    assert.ok(!JSON.stringify(csp).includes('unsafe'), JSON.stringify(csp));
    assert.deepEqual(inlineScriptHashes(readFileSync(INDEX, 'utf8')), [hash]);
  });

  test('the service worker, the API, problems and health answers carry them too', async () => {
    for (const [url, headers] of [
      ['/sw.js', {}],
      [`/api/${me.userId}/tasks`, { authorization: `Bearer ${me.token}` }],
      [`/api/${me.userId}/tasks`, {}],
      ['/healthz', {}],
      ['/no-such-page', {}],
    ] as const) {
      const res = await fetch(app.url + url, { headers });
      await res.arrayBuffer();
      common(res.headers, url);
    }
  });

  test('the stream (a hijacked response) carries them', async () => {
    const ac = new AbortController();
    const res = await fetch(`${app.url}/api/${me.userId}/stream`, { headers: { authorization: `Bearer ${me.token}` }, signal: ac.signal });
    assert.equal(res.status, 200);
    common(res.headers, 'stream');
    ac.abort();
  });

  test("/docs: swagger-ui's own policy (its inline parts by hash), not framable", async () => {
    const res = await fetch(`${app.url}/docs/static/index.html`);
    assert.equal(res.status, 200);
    await res.text();
    const csp = directives(res.headers.get('content-security-policy')!);
    assert.deepEqual(csp['frame-ancestors'], ["'none'"]);
    assert.ok(
      csp['script-src']!.every((v) => v === "'self'" || v.startsWith("'sha256-")),
      JSON.stringify(csp['script-src']),
    );
    assert.equal(csp['upgrade-insecure-requests'], undefined);
  });
});

describe('/metrics access', () => {
  test('without METRICS_TOKEN: loopback callers only', async () => {
    const app = await startApp();
    try {
      const res = await fetch(`${app.url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /http_request_duration_seconds/);
    } finally {
      await app.close();
    }
    const guard = requireMetricsAccess(undefined);
    const req = (remoteAddress: string, headers: Record<string, string> = {}) =>
      ({ headers, socket: { remoteAddress }, ip: '127.0.0.1' }) as unknown as FastifyRequest;
    await guard(req('127.0.0.1'));
    await guard(req('::1'));
    for (const remote of ['192.0.2.10', '10.0.0.5', 'fd00::1']) {
      // a proxy's X-Forwarded-For (request.ip) does not count: the socket's address does
      await assert.rejects(guard(req(remote, { 'x-forwarded-for': '127.0.0.1' })), (e: any) => e.status === 403, remote);
    }
  });

  test('with METRICS_TOKEN: the bearer token, from anywhere; nothing else', async () => {
    const app = await startApp({ METRICS_TOKEN });
    try {
      assert.equal((await fetch(`${app.url}/metrics`)).status, 401);
      assert.equal((await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } })).status, 401);
      assert.equal((await fetch(`${app.url}/metrics`, { headers: { authorization: `Basic ${METRICS_TOKEN}` } })).status, 401);
      const ok = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      assert.equal(ok.status, 200);
      assert.match(await ok.text(), /outbox_lag_seconds/);
    } finally {
      await app.close();
    }
    const guard = requireMetricsAccess(METRICS_TOKEN);
    await guard({
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      socket: { remoteAddress: '192.0.2.10' },
    } as unknown as FastifyRequest);
  });
});
