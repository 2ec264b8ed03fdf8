/**
 * HTTP on every core: the primary process owns what must exist once per machine — the embedded
 * PostgreSQL, the migrations, the generated AUTH_SECRET — and forks WEB_CONCURRENCY workers that
 * each run the whole service (bootstrap.start) against that database, sharing the port. The
 * workers coordinate as replicas do: the outbox relay through its lease, the reminder clock through
 * SKIP LOCKED, live streams through LISTEN/NOTIFY. A worker that dies is replaced.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './db/embedded-postgres.js';
import { migrate } from './db/migrate.js';
import { loadOrCreateSecret } from './auth/secret.js';
import { serveClusterMetrics } from './metrics.js';
import { workerExecArgv } from './worker-heap.js';

const RESPAWN_DELAY_MS = 1_000;

export interface Primary {
  stop(): Promise<void>;
}

/** What the workers get in their environment: the primary's database and secret, so all agree. */
async function sharedEnv(config: Config, log: Logger): Promise<{ env: Record<string, string>; embedded?: EmbeddedPostgres }> {
  // under Dapr the workers read DATABASE_URL and AUTH_SECRET from the secret store themselves
  if (config.eventBus === 'dapr') return { env: {} };
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir, log);
  const url = config.databaseUrl ?? embedded!.url;
  await migrate(url, log);
  const secret = config.authSecret ?? (await loadOrCreateSecret(config.dataDir));
  return { env: { DATABASE_URL: url, AUTH_SECRET: secret }, embedded };
}

export async function startPrimary(config: Config, log: Logger): Promise<Primary> {
  const { env, embedded } = await sharedEnv(config, log);
  let stopping = false;
  // the primary's flags (tracing's --import) and the workers' heap sizing (src/worker-heap.ts)
  cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv, process.env.NODE_OPTIONS) });
  const fork = (): Worker => cluster.fork(env);
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    log.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another');
    setTimeout(() => !stopping && fork(), RESPAWN_DELAY_MS).unref();
  });
  serveClusterMetrics();
  for (let i = 0; i < config.webConcurrency; i++) fork();
  log.info({ workers: config.webConcurrency, port: config.port }, 'taskstream primary: workers starting');

  return {
    async stop() {
      stopping = true;
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.isDead()) return resolve();
              w.once('exit', () => resolve());
              w.process.kill('SIGTERM');
            }),
        ),
      );
      await embedded?.stop();
    },
  };
}
