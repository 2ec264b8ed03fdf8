/**
 * A picture of one trace, from Jaeger's query API, in Chromium (playwright-core):
 *
 *   node --import tsx scripts/trace-screenshot.ts [TRACE_ID] [OUT.png]
 *
 * Without TRACE_ID it takes the latest trace of todo-backend that reaches the recurring consumer.
 * The Jaeger built from its Go module serves a placeholder page instead of its UI (the UI is a
 * separate JavaScript build, not part of the module), so this draws the trace as Jaeger's UI lays
 * it out — one row per span, indented by parent, a bar on the trace's time line, the service in
 * its own colour — and also saves a screenshot of what Jaeger itself serves at /trace/<id>.
 * Env: JAEGER_URL (http://127.0.0.1:16686), CHROMIUM_PATH (/usr/bin/chromium).
 */
import { writeFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';

const JAEGER = process.env.JAEGER_URL ?? 'http://127.0.0.1:16686';

interface Span {
  spanID: string;
  operationName: string;
  references: { refType: string; spanID: string }[];
  startTime: number;
  duration: number;
  processID: string;
  tags: { key: string; value: unknown }[];
}
interface Trace {
  traceID: string;
  spans: Span[];
  processes: Record<string, { serviceName: string }>;
}

async function json<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

async function pickTrace(id: string | undefined): Promise<Trace> {
  if (id) return (await json<{ data: Trace[] }>(`${JAEGER}/api/traces/${id}`)).data[0]!;
  const found = await json<{ data: Trace[] }>(`${JAEGER}/api/traces?service=todo-backend&lookback=1h&limit=50`);
  const reaching = found.data.filter((t) => t.spans.some((s) => s.operationName === 'task-events process recurring-task'));
  const t = reaching.sort((a, b) => b.spans.length - a.spans.length)[0];
  if (!t) throw new Error('no trace of todo-backend reaches the recurring consumer yet: complete a recurring task first');
  return t;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function render(t: Trace): string {
  const byId = new Map(t.spans.map((s) => [s.spanID, s]));
  const parent = (s: Span) => byId.get(s.references.find((r) => r.refType === 'CHILD_OF')?.spanID ?? '');
  const children = new Map<string, Span[]>();
  const roots: Span[] = [];
  for (const s of t.spans) {
    const p = parent(s);
    if (p) children.set(p.spanID, [...(children.get(p.spanID) ?? []), s]);
    else roots.push(s);
  }
  const ordered: [Span, number][] = [];
  const walk = (s: Span, depth: number) => {
    ordered.push([s, depth]);
    for (const c of (children.get(s.spanID) ?? []).sort((a, b) => a.startTime - b.startTime)) walk(c, depth + 1);
  };
  for (const r of roots.sort((a, b) => a.startTime - b.startTime)) walk(r, 0);
  const t0 = Math.min(...t.spans.map((s) => s.startTime));
  const t1 = Math.max(...t.spans.map((s) => s.startTime + s.duration));
  const total = Math.max(1, t1 - t0);
  const services = [...new Set(Object.values(t.processes).map((p) => p.serviceName))];
  const colour = (svc: string) => `hsl(${(services.indexOf(svc) * 67) % 360} 60% 50%)`;
  const rows = ordered
    .map(([s, depth]) => {
      const svc = t.processes[s.processID]!.serviceName;
      const left = ((s.startTime - t0) / total) * 100;
      const width = Math.max(0.3, (s.duration / total) * 100);
      return `<div class="row"><div class="name" style="padding-left:${depth * 14 + 6}px"><span class="svc" style="background:${colour(svc)}"></span><b>${esc(svc)}</b> ${esc(s.operationName)}</div><div class="lane"><div class="bar" style="left:${left}%;width:${width}%;background:${colour(svc)}"></div><span class="ms" style="left:${Math.min(left + width, 92)}%">${(s.duration / 1000).toFixed(2)} ms</span></div></div>`;
    })
    .join('\n');
  return `<!doctype html><meta charset="utf-8"><style>
    body { font: 12px system-ui, sans-serif; margin: 0; color: #222 }
    header { padding: 10px 14px; background: #1a1a2e; color: #fff } header small { opacity: .75 }
    .row { display: flex; border-bottom: 1px solid #eee; height: 22px; align-items: center }
    .name { width: 520px; flex: none; white-space: nowrap; overflow: hidden; text-overflow: ellipsis }
    .svc { display: inline-block; width: 8px; height: 8px; border-radius: 2px; margin-right: 5px }
    .lane { position: relative; flex: 1; height: 100% } .bar { position: absolute; top: 6px; height: 10px; border-radius: 2px }
    .ms { position: absolute; top: 4px; margin-left: 4px; color: #666; font-size: 11px }
  </style><header><b>Trace ${t.traceID}</b> · ${t.spans.length} spans · ${services.length} services (${services.map(esc).join(', ')}) · ${(total / 1000).toFixed(1)} ms <small>from Jaeger's query API</small></header>${rows}`;
}

const trace = await pickTrace(process.argv[2]);
const out = process.argv[3] ?? `trace-${trace.traceID}.png`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 200 } });
  await page.setContent(render(trace));
  await page.screenshot({ path: out, fullPage: true });
  await page.goto(`${JAEGER}/trace/${trace.traceID}`);
  await page.screenshot({ path: out.replace(/\.png$/, '-jaeger.png'), fullPage: true });
  await writeFile(out.replace(/\.png$/, '.json'), JSON.stringify(trace, null, 2));
  console.log(`${out} (${trace.spans.length} spans), ${out.replace(/\.png$/, '-jaeger.png')}, ${out.replace(/\.png$/, '.json')}`);
} finally {
  await browser.close();
}
