/**
 * HTTP load with autocannon (in the bench process; the server is another process): a warm-up,
 * then `runs` measured runs per connection count; per run throughput and latency percentiles,
 * and the medians over the runs.
 */
import autocannon, { type Request, type Result } from 'autocannon';
import { median, round } from './util.js';

export interface RunStats {
  rps: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** what `probe` measured around this run (e.g. CPU per process) */
  probe?: unknown;
}

export interface LoadResult {
  connections: number;
  runs: RunStats[];
  /** medians over the runs */
  rps: number;
  p50_ms: number;
  p99_ms: number;
  /** worst run's p99 */
  p99_ms_worst: number;
  non2xx: number;
  errors: number;
}

export interface LoadSpec {
  url: string;
  /** builds each request (method, path, headers, body); called once per request */
  next: () => Request;
  connections: number;
  warmupS: number;
  durationS: number;
  runs: number;
  onRun?: (i: number, s: RunStats) => void;
  /** started before each measured run; its result is kept with the run */
  probe?: () => { stop(): unknown };
}

function stats(r: Result): RunStats {
  return {
    rps: round(r.requests.average, 1),
    p50_ms: r.latency.p50,
    p90_ms: r.latency.p90,
    p99_ms: r.latency.p99,
    max_ms: r.latency.max,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

async function once(spec: LoadSpec, durationS: number): Promise<Result> {
  return autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: durationS,
    timeout: 30,
    requests: [{ setupRequest: (req) => ({ ...req, ...spec.next() }) }],
  });
}

export async function load(spec: LoadSpec): Promise<LoadResult> {
  if (spec.warmupS > 0) await once(spec, spec.warmupS);
  const runs: RunStats[] = [];
  for (let i = 0; i < spec.runs; i++) {
    const probe = spec.probe?.();
    const s = stats(await once(spec, spec.durationS));
    if (probe) s.probe = probe.stop();
    runs.push(s);
    spec.onRun?.(i, s);
  }
  return {
    connections: spec.connections,
    runs,
    rps: round(median(runs.map((r) => r.rps)), 1),
    p50_ms: median(runs.map((r) => r.p50_ms)),
    p99_ms: median(runs.map((r) => r.p99_ms)),
    p99_ms_worst: Math.max(...runs.map((r) => r.p99_ms)),
    non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
    errors: runs.reduce((a, r) => a + r.errors + r.timeouts, 0),
  };
}
