/**
 * Results: each mode's full record (bench/results/<mode>.json), the flat key file
 * (bench/results/latest.json: every key of both modes, numbers only) and BENCHMARKS.md,
 * rendered from whatever records exist plus the hand-written analysis (bench/notes.md).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadResult } from './load.js';
import { machine, type Machine } from './machine.js';
import { ROOT } from './proc.js';
import { round } from './util.js';

export type Mode = 'embedded' | 'stack' | 'tracing';

export interface Record_ {
  mode: Mode;
  date: string;
  duration_s: number;
  machine: Machine;
  /** 1-minute load average before and after each phase */
  load: Record<string, [number, number, number]>;
  commands: string[];
  settings: Record<string, unknown>;
  keys: Record<string, number>;
  http?: Record<string, LoadResult[]>;
  details: Record<string, unknown>;
}

/** A finished run's record: the date, duration and machine filled in, every key rounded to 2 decimals. */
export function finishedRecord(
  began: number,
  r: Pick<Record_, 'mode' | 'load' | 'commands' | 'settings' | 'keys' | 'http' | 'details'>,
): Record_ {
  return {
    mode: r.mode,
    date: new Date().toISOString(),
    duration_s: (Date.now() - began) / 1000,
    machine: machine(),
    load: r.load,
    commands: r.commands,
    settings: r.settings,
    keys: Object.fromEntries(Object.entries(r.keys).map(([k, v]) => [k, round(v, 2)])),
    ...(r.http ? { http: r.http } : {}),
    details: r.details,
  };
}

const RESULTS = path.join(ROOT, 'bench', 'results');

const TITLES: Record<Mode, string> = {
  embedded: 'Embedded mode',
  stack: 'Distributed mode (daprd + Kafka + PostgreSQL)',
  tracing: 'Cost of tracing (embedded mode, npm run bench:tracing)',
};

export const TARGETS: Record<string, { op: '>=' | '<='; value: number; note: string }> = {
  embedded_create_rps: { op: '>=', value: 3000, note: 'create, embedded, 64 connections' },
  embedded_create_p99_ms: { op: '<=', value: 25, note: 'create, embedded, 64 connections' },
  stack_create_rps: { op: '>=', value: 2000, note: 'create through the stack with events flowing, 64 connections' },
  pipeline_events_per_s: { op: '>=', value: 5000, note: 'outbox → Dapr → Kafka → Dapr → consumer effect' },
  complete_to_next_p99_ms_embedded: { op: '<=', value: 20, note: '' },
  complete_to_next_p99_ms_stack: { op: '<=', value: 100, note: '' },
  reminder_lateness_p99_ms_embedded: { op: '<=', value: 1000, note: '' },
  reminder_lateness_p99_ms_stack: { op: '<=', value: 1000, note: 'the stack as shipped: cron binding at @every 5m (issue 12)' },
  reminder_scan_ms_1m: { op: '<=', value: 20, note: 'scan() at 1M tasks, embedded PostgreSQL' },
  rss_mb_under_load: { op: '<=', value: 250, note: 'embedded: the primary, its workers and PostgreSQL, peak PSS during the HTTP runs' },
  embedded_complete_rps: { op: '>=', value: 1500, note: 'complete, embedded, 64 connections (issue 11)' },
  list_page_rps_10k_c16: { op: '>=', value: 2000, note: 'first 50-task page of a 10k-task user, 16 connections (issue 11)' },
  list_page_p99_ms_10k_c64: { op: '<=', value: 50, note: 'same page, 64 connections (issue 11)' },
  search_p50_ms_30k: { op: '<=', value: 20, note: 'q=zzz on a 30k-task user, 1 connection (issue 11)' },
  today_rps_10k_c16: { op: '>=', value: 2000, note: 'Today of a 10k-task user, 16 connections (issue 13: the list page target)' },
  project_page_rps_10k_c16: { op: '>=', value: 2000, note: 'a 10k-task project page, 16 connections (issue 13: the list page target)' },
  healthz_p99_ms_under_abuse: { op: '<=', value: 50, note: 'worst /healthz p99 across the abuse cases (issue 11)' },
  // the target is met when the whole 95 % interval of the median is under it, not the median alone
  tracing_create_cpu_added_pct_upper95: { op: '<=', value: 10, note: 'tracing on, every request sampled, vs off (issue 18)' },
  tracing_list_cpu_added_pct_upper95: { op: '<=', value: 10, note: 'tracing on, every request sampled, vs off (issue 18)' },
};

/** What each key means (rendered into BENCHMARKS.md). */
export const KEY_DOCS: Record<string, string> = {
  embedded_create_rps: 'POST /tasks, embedded, 64 connections: median req/s of the runs',
  embedded_create_p99_ms: 'same runs: median of the runs’ p99 latency',
  stack_create_rps: 'POST /tasks on the stack backend (events published to Kafka and consumed meanwhile), 64 connections',
  stack_create_p99_ms: 'same runs: median p99',
  list_search_p99_ms_100k: 'GET /tasks with keyword q + a filter/sort, 100k tasks of 1k users, embedded, 64 connections: median p99',
  pipeline_events_per_s: 'stack: task events committed to the outbox at once → consumer effects (task_history rows) per second',
  complete_to_next_p99_ms_embedded: 'PATCH …/complete of a daily task → next occurrence visible in GET (polled back-to-back), p99',
  complete_to_next_p99_ms_stack: 'same through Dapr + Kafka + the recurring consumer process',
  reminder_lateness_p99_ms_embedded: 'inbox entry created_at − remind_at (reminders in bursts), p99',
  reminder_lateness_p99_ms_stack: 'same through the stack at the default cron schedule (@every 5m): the API clock fires them',
  reminder_scan_ms_1m: 'ReminderScanner.scan() with 10 reminders due, 1M tasks / ~0.9M reminder rows, embedded PostgreSQL: median',
  rss_mb_idle:
    'embedded: the primary, its HTTP workers and the embedded PostgreSQL together (PSS, shared pages once) after start with the 100k data set, before load',
  rss_mb_under_load: 'same set of processes: peak PSS during the HTTP runs',
  list_page_rps_10k_c16: 'GET /tasks?limit=50 of a user with 10k tasks (besides the 100k of 1k users), 16 connections: median req/s',
  list_page_p99_ms_10k_c64: 'same page, 64 connections: median of the runs’ p99',
  search_p50_ms_30k: 'GET /tasks?q=zzz (no match) of a user with 30k tasks, 1 connection: median p50',
  today_rps_10k_c16:
    'GET /tasks?view=today&sort=due_date&limit=50 of the 10k-task user (~1.7k open tasks due by tonight), 16 connections: median req/s',
  project_page_rps_10k_c16:
    'GET /tasks?project_id=<Inbox>&top_level=true&sort=position&limit=50 of the 10k-task user (all 10k in the Inbox), 16 connections: median req/s',
  start_ms: 'embedded: spawn of `node dist/src/main.js` → first 200 from /readyz, existing 100k data dir, median of 3',
  tracing_create_cpu_added_pct:
    "npm run bench:tracing: POST /tasks at a fixed pace, the CPU per request tracing adds to the service's node processes, as % of the request's whole CPU (node processes + PostgreSQL) with tracing off; every request sampled and exported (OTLP/HTTP protobuf); after a 60 s warm-up, the servers taking turns in 6 s windows: median over the cycles of each cycle's change. PostgreSQL runs the same statements either way, so its change is left out (tracing_create_pg_cpu_change_pct shows it is noise)",
  tracing_list_cpu_added_pct: 'same for GET /tasks with keyword search + a filter/sort',
  tracing_create_cpu_added_pct_upper95:
    "the upper end of the 95 % confidence interval of tracing_create_cpu_added_pct (distribution-free, from the sorted cycles' changes: the 39th of 60)",
  tracing_list_cpu_added_pct_upper95: 'the same for tracing_list_cpu_added_pct',
  tracing_create_pg_cpu_change_pct: "same runs: PostgreSQL's own change, as % of the whole request's CPU (should be ~0)",
  tracing_create_cpu_overhead_pct: 'same runs: the change of node + PostgreSQL together, % of the request’s whole CPU',
  tracing_create_cpu_added_pct_sampled_0_1:
    'same as tracing_create_cpu_added_pct at OTEL_TRACES_SAMPLER=parentbased_traceidratio, ratio 0.1',
  tracing_list_cpu_added_pct_sampled_0_1: 'same as tracing_list_cpu_added_pct at ratio 0.1',
};

export function saveRecord(r: Record_): void {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, `${r.mode}.json`), `${JSON.stringify(r, null, 2)}\n`);
  renderReport();
}

/** latest.json and BENCHMARKS.md from the saved records and bench/notes.md (`npm run bench:report`: after editing the notes). */
export function renderReport(): void {
  const records = (['embedded', 'stack', 'tracing'] as const).map(loadRecord).filter((x): x is Record_ => !!x);
  const latest: Record<string, number> = {};
  for (const rec of records) for (const [k, v] of Object.entries(rec.keys)) if (typeof v === 'number' && Number.isFinite(v)) latest[k] = v;
  writeFileSync(path.join(RESULTS, 'latest.json'), `${JSON.stringify(sortKeys(latest), null, 2)}\n`);
  writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), render(records, latest));
}

function loadRecord(mode: Mode): Record_ | undefined {
  const f = path.join(RESULTS, `${mode}.json`);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Record_) : undefined;
}

const sortKeys = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

const fmt = (v: number | undefined) =>
  v === undefined || !Number.isFinite(v) ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 2 : 1);

function table(head: string[], rows: (string | number)[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map((c) => (typeof c === 'number' ? fmt(c) : c)).join(' | ')} |`),
  ].join('\n');
}

function verdict(key: string, v: number | undefined): string {
  const t = TARGETS[key];
  if (!t) return '';
  if (v === undefined || !Number.isFinite(v)) return 'not measured';
  return (t.op === '>=' ? v >= t.value : v <= t.value) ? '**met**' : '**not met**';
}

function httpTables(rec: Record_): string {
  if (!rec.http) return '';
  const out: string[] = [];
  for (const [kind, results] of Object.entries(rec.http)) {
    out.push(`**${kind}** (${rec.mode})\n`);
    out.push(
      table(
        ['connections', 'req/s (median)', 'p50 ms', 'p99 ms (median)', 'p99 ms (worst run)', 'runs: req/s', 'non-2xx', 'errors'],
        results.map((r) => [
          r.connections,
          r.rps,
          r.p50_ms,
          r.p99_ms,
          r.p99_ms_worst,
          r.runs.map((x) => fmt(x.rps)).join(' / '),
          r.non2xx,
          r.errors,
        ]),
      ),
    );
    out.push('');
  }
  return out.join('\n');
}

function section(rec: Record_): string {
  const loads = Object.entries(rec.load)
    .map(([phase, l]) => `${phase}: ${l.join(' / ')}`)
    .join('; ');
  const lines = [
    `## ${TITLES[rec.mode]} — ${rec.date}`,
    '',
    `Run took ${Math.round(rec.duration_s)} s. Commands:`,
    '',
    '```bash',
    ...rec.commands,
    '```',
    '',
    `Machine: ${rec.machine.nproc} cores, ${rec.machine.cpu_model}, Node ${rec.machine.node}, ${rec.machine.kernel}.`,
    '',
    '```',
    rec.machine.free_h,
    '```',
    '',
    `Load average (1/5/15 min) at each phase: ${loads}.`,
    '',
    `Settings: \`${JSON.stringify(rec.settings)}\``,
    '',
    '### Keys',
    '',
    table(
      ['key', 'value'],
      Object.entries(rec.keys).map(([k, v]) => [`\`${k}\``, v]),
    ),
    '',
    '### HTTP',
    '',
    httpTables(rec),
  ];
  for (const [name, value] of Object.entries(rec.details)) {
    lines.push(`### ${name}`, '', typeof value === 'string' ? value : '```json\n' + JSON.stringify(value, null, 2) + '\n```', '');
  }
  return lines.join('\n');
}

function render(records: Record_[], latest: Record<string, number>): string {
  const notesFile = path.join(ROOT, 'bench', 'notes.md');
  const notes = existsSync(notesFile) ? readFileSync(notesFile, 'utf8') : '';
  const keys = [...new Set([...Object.keys(TARGETS), ...Object.keys(KEY_DOCS)])];
  return [
    '# Benchmarks',
    '',
    '<!-- generated by bench/ (npm run bench, npm run bench:stack) from bench/results/*.json and bench/notes.md; edit those, not this file -->',
    '',
    'Measured on one 2-core machine shared with other work; see each section for the machine, the load average',
    'during the run and the exact commands. `bench/results/latest.json` holds every key (flat, numbers only);',
    '`bench/results/embedded.json` and `stack.json` hold every run.',
    '',
    '## Targets',
    '',
    table(
      ['key', 'value', 'target', 'verdict', 'what'],
      keys.map((k) => [
        `\`${k}\``,
        latest[k] ?? NaN,
        TARGETS[k] ? `${TARGETS[k]!.op} ${TARGETS[k]!.value}` : '',
        verdict(k, latest[k]),
        KEY_DOCS[k] ?? TARGETS[k]?.note ?? '',
      ]),
    ),
    '',
    notes,
    '',
    ...records.map(section),
  ].join('\n');
}

interface CpuProbe {
  wall_ms: number;
  cpu_ms: Record<string, number>;
  machine_busy_pct: number;
}

/** Markdown: CPU milliseconds per request by process group for each scenario × connections (the first measured run). */
export function cpuTable(http: Record<string, LoadResult[] | undefined>): string {
  const rows: (string | number)[][] = [];
  let groups: string[] = [];
  for (const [kind, results] of Object.entries(http)) {
    for (const r of results ?? []) {
      const run = r.runs[0];
      const probe = run?.probe as CpuProbe | undefined;
      if (!run || !probe) continue;
      groups = [...new Set([...groups, ...Object.keys(probe.cpu_ms)])];
      const total = Object.values(probe.cpu_ms).reduce((a, b) => a + b, 0);
      rows.push([
        `${kind} @${r.connections}`,
        run.rps,
        ...groups.map((g) => Math.round(((probe.cpu_ms[g] ?? 0) / Math.max(1, run.requests)) * 1000) / 1000),
        Math.round((total / Math.max(1, run.requests)) * 1000) / 1000,
        `${probe.machine_busy_pct}%`,
      ]);
    }
  }
  if (!rows.length) return '';
  return table(['run', 'req/s', ...groups.map((g) => `${g} ms/req`), 'all ms/req', 'machine busy'], rows);
}
