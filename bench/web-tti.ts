/**
 * Web app benchmark: time until the list of a user with 500 tasks is rendered and responds to
 * input (in-page clock from navigation start; median of 5), on the real app in embedded mode with
 * Debian's Chromium. Target: < 1000 ms. Writes bench/results/web.json.
 *   npm run bench:web
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { client, eventually, signUp, startApp } from '../test/support/app.js';
import { ensureWebBuilt, launch, newContext, ROOT, signInContext, WEB_TEST_ENV } from '../test/web/browser.js';

const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  loadPerCpuAtStart: Number(((loadavg()[0] ?? 0) / cpus().length).toFixed(2)),
};
ensureWebBuilt();
const [app, browser] = await Promise.all([startApp(WEB_TEST_ENV), launch()]);
try {
  const s = await signUp(app.url, 'perf');
  const api = client(app.url, s.token);
  const priorities = ['none', 'low', 'medium', 'high', 'urgent'];
  const start = Date.now();
  const jobs = Array.from({ length: 500 }, (_, i) => i);
  // 500 tasks through the public API, 25 at a time
  for (let i = 0; i < jobs.length; i += 25) {
    await Promise.all(
      jobs.slice(i, i + 25).map(async (n) => {
        const r = await api.post(`/api/${s.userId}/tasks`, {
          title: `Task ${String(n).padStart(3, '0')} ${n % 7 === 0 ? 'report' : 'errand'}`,
          description: 'Generated for the 500-task measurement.',
          priority: priorities[n % 5],
          tags: [`t${n % 10}`],
          due_date: new Date(start + (n - 50) * 3600_000).toISOString(),
          ...(n % 9 === 0 ? { recurrence: 'weekly' } : {}),
        });
        assert.equal(r.status, 201);
      }),
    );
  }
  results.seedMs = Date.now() - start;
  // let the consumers finish with the 500 creation events (audit trail of the last task written),
  // so the measurement sees the service at rest rather than draining its outbox
  const last = await api.get(`/api/${s.userId}/tasks?sort=-created_at&limit=1`);
  await eventually(async () => (await api.get(`/api/${s.userId}/tasks/${last.body[0].id}/history`)).body.length > 0, { timeoutMs: 30_000 });

  // Chromium's first renderer process starts slowly; that is browser start-up, not page load
  const warm = await browser.newPage();
  await warm.goto(app.url + '/');
  await warm.close();

  // In-page probe: the moment 100 rows are in the DOM it clicks the filter toggle (a control) and
  // notes when the filter panel has rendered: the page's own clock from navigation start, free of
  // the test driver's polling. The driver's wall clock (goto → panel seen) is reported beside it.
  const probe = `
    window.__tti = {};
    new MutationObserver(() => {
      const t = window.__tti;
      if (!t.rows && document.querySelectorAll('[data-testid="task-row"]').length >= 100) {
        t.rows = performance.now();
        document.querySelector('[data-testid="filters-toggle"]').click();
      }
      if (t.rows && !t.ready && document.querySelector('[data-testid="filters"]')) t.ready = performance.now();
    }).observe(document, { subtree: true, childList: true });`;
  const runs: { rendered: number; interactive: number; wall: number }[] = [];
  for (let run = 0; run < 5; run++) {
    const context = await newContext(browser);
    await signInContext(context, app.url, s);
    await context.addInitScript({ content: probe });
    const page = await context.newPage();
    const t0 = Date.now();
    await page.goto(app.url + '/');
    await page.getByTestId('filters').waitFor();
    const wall = Date.now() - t0;
    const tti = JSON.parse(await page.evaluate<string>('JSON.stringify(window.__tti)')) as { rows: number; ready: number };
    await page.getByTestId('total').getByText('500 tasks').waitFor();
    runs.push({ rendered: Math.round(tti.rows), interactive: Math.round(tti.ready), wall });
    // the first page was requested once (after the access token came from the refresh cookie)
    // (a page of 100: the sidebar's Today count is a request of its own, limit=1)
    const listRequests = await page.evaluate<number>(
      `performance.getEntriesByType('resource').filter((e) => e.name.includes('/tasks?') && e.name.includes('limit=100') && e.initiatorType === 'fetch').length`,
    );
    assert.equal(listRequests, 1);
    if (run < 4) {
      await context.close();
      continue;
    }
    // the rest of the list arrives by infinite scroll
    for (let n = 199; n < 500; n += 100) {
      await page.locator('[data-testid="task-row"]').last().scrollIntoViewIfNeeded();
      await page.locator('[data-testid="task-row"]').nth(n).waitFor();
    }
    results.all500RenderedMs = Date.now() - t0;
    assert.equal(await page.locator('[data-testid="task-row"]').count(), 500);
    // with 500 rows in the DOM, a search (250 ms debounce included) still answers quickly
    const t1 = Date.now();
    await page.locator('#search').fill('report');
    await page.getByTestId('total').getByText('72 tasks').waitFor();
    results.searchMs = Date.now() - t1;
    await context.close();
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;
  const interactive = median(runs.map((r) => r.interactive));
  const wall = median(runs.map((r) => r.wall));
  Object.assign(results, {
    runs,
    renderedMedianMs: median(runs.map((r) => r.rendered)),
    interactiveMedianMs: interactive,
    wallMedianMs: wall,
  });
  console.log(
    `# 500 tasks: interactive ${runs.map((r) => r.interactive).join(' / ')} ms (median ${interactive}; first 100 rows rendered at ${results.renderedMedianMs}; ` +
      `driver wall clock median ${wall}), all 500 rows ${results.all500RenderedMs} ms, search over 500 ${results.searchMs} ms`,
  );
  results.targetMs = 1000;
  results.met = interactive < 1000;
} finally {
  await browser.close();
  await app.close();
}
const out = path.join(ROOT, 'bench/results/web.json');
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
console.log(`wrote ${out}`);
