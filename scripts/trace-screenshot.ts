/**
 * A picture of one trace across the services, in Chromium (playwright-core with Debian's chromium):
 *
 *   npm run trace:screenshot [-- OUT.png]        (default docs/trace.png)
 *
 * Starts the stack with tracing on (`STACK_TRACING=1 scripts/stack.sh up`: Jaeger v2, every app
 * and every daprd exporting to it), signs up a user, completes a weekly task with a traceparent of
 * its own, waits (60 s at most) until Jaeger holds the whole chain — the request, the relay's
 * publish, daprd's spans, the recurring consumer's delivery, the next occurrence's publish and
 * delivery — and draws that trace as Jaeger's UI lays it out (one row per span, indented under its
 * parent, a bar on the trace's time line, each service in its colour), from Jaeger's query API.
 * The stack is taken down after (KEEP_STACK=1 leaves it up). The Jaeger built from its Go module
 * serves a placeholder page instead of its UI (docs/observability.md), hence the drawing.
 *
 * `node --import tsx scripts/trace-screenshot.ts --trace ID [OUT.png]` draws a trace of a stack
 * that is already up. Env: JAEGER_URL (http://127.0.0.1:16686), CHROMIUM_PATH (/usr/bin/chromium).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';
import { client, signUp } from '../test/support/app.js';
import { chainComplete, completionChain, jaegerTrace, type JaegerSpan, type JaegerTrace } from '../test/support/jaeger.js';

const JAEGER = process.env.JAEGER_URL ?? 'http://127.0.0.1:16686';
const API = 'http://127.0.0.1:8000';

const stack = (cmd: 'up' | 'down') =>
  execFileSync('bash', ['scripts/stack.sh', cmd], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, STACK_TRACING: '1', STACK_SKIP_BUILD: '1' },
  });

/** One completion of a weekly task; resolves with its trace once Jaeger holds the whole chain. */
async function completionTrace(): Promise<JaegerTrace> {
  const me = await signUp(API, 'trace-screenshot');
  const api = client(API, me.token);
  const created = await api.post(`/api/${me.userId}/tasks`, {
    title: 'water the plants',
    due_date: '2031-01-06T09:00:00Z',
    timezone: 'UTC',
    recurrence: 'weekly',
  });
  if (created.status !== 201) throw new Error(`create: HTTP ${created.status}`);
  const id = (created.body as { id: number }).id;
  const traceId = randomBytes(16).toString('hex');
  const done = await api.patch(
    `/api/${me.userId}/tasks/${id}/complete`,
    { completed: true },
    { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
  );
  if (done.status !== 200) throw new Error(`complete: HTTP ${done.status}`);
  for (const deadline = Date.now() + 60_000; ;) {
    const t = await jaegerTrace(JAEGER, traceId);
    if (t && chainComplete(completionChain(t.spans, id))) {
      await new Promise((r) => setTimeout(r, 3000)); // the last deliveries' daprd spans
      return (await jaegerTrace(JAEGER, traceId))!;
    }
    if (Date.now() > deadline) throw new Error(`trace ${traceId} incomplete after 60 s (${t?.spans.length ?? 0} spans)`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function render(t: JaegerTrace): string {
  const byId = new Map(t.spans.map((s) => [s.spanID, s]));
  const parent = (s: JaegerSpan) => byId.get(s.references.find((r) => r.refType === 'CHILD_OF')?.spanID ?? '');
  const children = new Map<string, JaegerSpan[]>();
  const roots: JaegerSpan[] = [];
  for (const s of t.spans) {
    const p = parent(s);
    if (p) children.set(p.spanID, [...(children.get(p.spanID) ?? []), s]);
    else roots.push(s);
  }
  const ordered: [JaegerSpan, number][] = [];
  const walk = (s: JaegerSpan, depth: number) => {
    ordered.push([s, depth]);
    for (const c of (children.get(s.spanID) ?? []).sort((a, b) => a.startTime - b.startTime)) walk(c, depth + 1);
  };
  for (const r of roots.sort((a, b) => a.startTime - b.startTime)) walk(r, 0);
  const t0 = Math.min(...t.spans.map((s) => s.startTime));
  const t1 = Math.max(...t.spans.map((s) => s.startTime + s.duration));
  const total = Math.max(1, t1 - t0);
  const services = [...new Set(t.spans.map((s) => s.service))].sort();
  const colour = (svc: string) => `hsl(${(services.indexOf(svc) * 67) % 360} 60% 45%)`;
  const rows = ordered
    .map(([s, depth]) => {
      const left = ((s.startTime - t0) / total) * 100;
      const width = Math.max(0.3, (s.duration / total) * 100);
      return `<div class="row"><div class="name" style="padding-left:${depth * 14 + 6}px"><span class="svc" style="background:${colour(s.service)}"></span><b>${esc(s.service)}</b> ${esc(s.operationName)}</div><div class="lane"><div class="bar" style="left:${left}%;width:${width}%;background:${colour(s.service)}"></div><span class="ms" style="left:${Math.min(left + width, 92)}%">${(s.duration / 1000).toFixed(2)} ms</span></div></div>`;
    })
    .join('\n');
  const legend = services
    .map((s) => `<span><i style="background:${colour(s)}"></i>${esc(s)} (${t.spans.filter((x) => x.service === s).length})</span>`)
    .join('');
  return `<!doctype html><meta charset="utf-8"><style>
    body { font: 12px system-ui, sans-serif; margin: 0; color: #222 }
    header { padding: 10px 14px; background: #1a1a2e; color: #fff } header small { opacity: .75 }
    .legend { padding: 6px 14px; border-bottom: 1px solid #ddd } .legend span { margin-right: 14px } .legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px }
    .row { display: flex; border-bottom: 1px solid #eee; height: 22px; align-items: center }
    .name { width: 560px; flex: none; white-space: nowrap; overflow: hidden; text-overflow: ellipsis }
    .svc { display: inline-block; width: 8px; height: 8px; border-radius: 2px; margin-right: 5px }
    .lane { position: relative; flex: 1; height: 100% } .bar { position: absolute; top: 6px; height: 10px; border-radius: 2px }
    .ms { position: absolute; top: 4px; margin-left: 4px; color: #666; font-size: 11px }
  </style><header><b>Trace ${t.traceID}</b> · ${t.spans.length} spans · ${services.length} services · ${(total / 1000).toFixed(1)} ms <small>drawn from Jaeger's query API (/api/traces/${t.traceID})</small></header><div class="legend">${legend}</div>${rows}`;
}

const args = process.argv.slice(2);
const given = args[0] === '--trace' ? args[1] : undefined;
const out = (given ? args[2] : args[0]) ?? 'docs/trace.png';
if (!given) stack('up');
try {
  const trace = given ? await jaegerTrace(JAEGER, given) : await completionTrace();
  if (!trace) throw new Error(`no trace ${given} in Jaeger at ${JAEGER}`);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 200 } });
    await page.setContent(render(trace));
    await page.screenshot({ path: out, fullPage: true });
  } finally {
    await browser.close();
  }
  console.log(`${out}: trace ${trace.traceID}, ${trace.spans.length} spans of ${new Set(trace.spans.map((s) => s.service)).size} services`);
} finally {
  if (!given && !process.env.KEEP_STACK) stack('down');
}
