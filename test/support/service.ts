/**
 * The built service (`dist/src/main.js`, what `npm start` runs) as a child process: a free port,
 * a DATA_DIR of its own, ready (GET /readyz) before the tests start, stopped with SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

export interface SpawnedService {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/** `nodeArgs` come before the entry (e.g. `--import ./dist/src/tracing/register.js`); `env` adds to a minimal one. */
export async function spawnService(
  what: string,
  env: Record<string, string>,
  o: { readyWithinMs: number; nodeArgs?: string[] },
): Promise<SpawnedService> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `taskstream-${what.replace(/\W+/g, '-')}-`));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), 'dist/src/main.js'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + o.readyWithinMs;
  while (
    !(await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    assert.ok(Date.now() < deadline, `the ${what} did not get ready within ${o.readyWithinMs / 1000} s`);
    assert.equal(child.exitCode, null, `the ${what} exited`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    child,
    url,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
