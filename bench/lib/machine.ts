/** What the numbers were measured on: cores, memory, CPU model, load, versions. */
import { execFileSync } from 'node:child_process';
import { descendants } from './cpu.js';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  nproc: number;
  cpu_model: string;
  free_h: string;
  node: string;
  kernel: string;
  load: [number, number, number];
}

const sh = (cmd: string, args: string[] = []) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
  } catch {
    return '?';
  }
};

export function machine(): Machine {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? '?';
  return {
    nproc: Number(sh('nproc')),
    cpu_model: model,
    free_h: sh('free', ['-h']),
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    load: loadAvg(),
  };
}

export const loadAvg = (): [number, number, number] => {
  const [a = 0, b = 0, c = 0] = os.loadavg();
  return [Math.round(a * 100) / 100, Math.round(b * 100) / 100, Math.round(c * 100) / 100];
};

/**
 * Memory of a process and everything below it (cluster workers, PostgreSQL's processes), in MB:
 * the sum of their proportional set sizes, so pages they share (PostgreSQL's shared buffers, the
 * workers' common code) count once, not once per process as summed RSS would.
 */
export function treePssMb(pid: number): number {
  let kb = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      kb += Number(/^Pss:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* gone */
    }
  }
  return kb ? Math.round((kb / 1024) * 10) / 10 : NaN;
}

/** Resident set size of a process in MB (from /proc/<pid>/status). */
export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN);
    return Math.round((kb / 1024) * 10) / 10;
  } catch {
    return NaN;
  }
}
