/** The service under test as a separate process: start, readiness timing, RSS sampling, stop. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rssMb } from './machine.js';
import { sleep } from './util.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface Server {
  url: string;
  pid: number;
  /** spawn → first 200 from /readyz */
  startMs: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface ServerOptions {
  dataDir: string;
  env?: Record<string, string>;
  nodeArgs?: string[];
  readyTimeoutMs?: number;
  /** the checkout whose `dist/` runs (default: this one), e.g. another build to compare with */
  root?: string;
}

/** `node dist/src/main.js` (the built service, as `npm start` runs it) on a free loopback port. */
export async function startServer(o: ServerOptions): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), 'dist/src/main.js'], {
    cwd: o.root ?? ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATA_DIR: o.dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...o.env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + (o.readyTimeoutMs ?? 120_000);
  for (;;) {
    if (exited) throw new Error(`server exited during start (code ${child.exitCode})`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('server not ready in time');
    }
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await sleep(5);
  }
  const startMs = performance.now() - t0;
  return {
    url,
    pid: child.pid!,
    startMs,
    child,
    async stop() {
      if (exited) return;
      const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await done;
      clearTimeout(timer);
    },
  };
}

/** Samples a process's RSS every `everyMs` until stopped; returns the peak and the samples. */
export function rssSampler(pid: number, everyMs = 100, measure: (pid: number) => number = rssMb) {
  const samples: number[] = [];
  const timer = setInterval(() => {
    const mb = measure(pid);
    if (Number.isFinite(mb)) samples.push(mb);
  }, everyMs);
  return {
    samples,
    stop(): { peak: number; samples: number[] } {
      clearInterval(timer);
      return { peak: samples.length ? Math.max(...samples) : NaN, samples };
    },
  };
}
