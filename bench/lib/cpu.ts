/**
 * CPU accounting from /proc: per process (utime + stime) and for the whole machine, so a run can
 * say where the CPU went (ms of CPU per request, per process) and whether the 2 cores were full.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { LoadResult } from './load.js';

const TICK_MS = 10; // USER_HZ = 100 on Linux

function procTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
  } catch {
    return 0;
  }
}

/** Every process below `pid` (children, their children, …): a cluster's workers, PostgreSQL's backends. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** All pids whose command name is `comm` (e.g. every PostgreSQL backend). */
export function pidsByName(comm: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === comm) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/**
 * Waits until the machine is quiet (two 1 s windows under `busyPct` % busy, at most `maxS`): what a
 * write run leaves behind — the relay and consumers draining the outbox, autovacuum and ANALYZE of
 * the rows it wrote — otherwise runs into the next measurement. Returns the seconds waited.
 */
export async function settle(busyPct = 15, maxS = 90): Promise<number> {
  const t0 = performance.now();
  let quiet = 0;
  while (quiet < 2 && performance.now() - t0 < maxS * 1000) {
    const a = machineTicks();
    await new Promise((r) => setTimeout(r, 1000));
    const b = machineTicks();
    quiet = (100 * (b.busy - a.busy)) / Math.max(1, b.total - a.total) < busyPct ? quiet + 1 : 0;
  }
  return Math.round((performance.now() - t0) / 1000);
}

export type Groups = Record<string, () => number[]>;

/** Starts counting; `stop()` returns CPU ms per group, the bench process's own, and the machine's busy share. */
export function cpuMeter(groups: Groups) {
  const t0 = performance.now();
  const self0 = process.cpuUsage();
  const m0 = machineTicks();
  const start = new Map<string, Map<number, number>>();
  for (const [name, pids] of Object.entries(groups)) start.set(name, new Map(pids().map((p) => [p, procTicks(p)])));
  return {
    stop(): { wall_ms: number; cpu_ms: Record<string, number>; machine_busy_pct: number } {
      const cpu: Record<string, number> = {};
      for (const [name, pids] of Object.entries(groups)) {
        const before = start.get(name)!;
        let ticks = 0;
        for (const p of new Set([...before.keys(), ...pids()])) ticks += Math.max(0, procTicks(p) - (before.get(p) ?? 0));
        cpu[name] = ticks * TICK_MS;
      }
      const self = process.cpuUsage(self0);
      cpu['load generator (bench process)'] = Math.round((self.user + self.system) / 1000);
      const m1 = machineTicks();
      return {
        wall_ms: Math.round(performance.now() - t0),
        cpu_ms: cpu,
        machine_busy_pct: Math.round((100 * (m1.busy - m0.busy)) / Math.max(1, m1.total - m0.total)),
      };
    },
  };
}

/** Median over a load result's runs of the server's CPU ms per request (runs probed by cpuMeter with a `server` group). */
export function serverCpuMs(r: LoadResult): number {
  const per = r.runs
    .map((run) => ((run.probe as { cpu_ms?: Record<string, number> } | undefined)?.cpu_ms?.server ?? NaN) / run.requests)
    .sort((a, b) => a - b);
  return Math.round(per[Math.floor(per.length / 2)]! * 100) / 100;
}
