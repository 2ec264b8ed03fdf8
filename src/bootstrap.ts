/**
 * Starts the whole service from a config: (Dapr secrets) → database → migrations → services →
 * HTTP server → consumers. Used by main.ts and by the integration tests (same path, real database).
 */
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { openDatabase, type DatabaseHandle } from './db/connect.js';
import { startEmbeddedPostgres } from './db/embedded-postgres.js';
import { migrate } from './db/migrate.js';
import { loadOrCreateSecret } from './auth/secret.js';
import { DaprClient } from './dapr/client.js';
import { createServices, type Services } from './app.js';
import { buildServer } from './http/server.js';
import { earlyListener } from './http/early-listener.js';

const SIDECAR_WAIT_MS = 120_000;

export interface Running {
  services: Services;
  database: DatabaseHandle;
  /** the port actually bound (PORT=0 picks a free one) */
  port: number;
  stop(): Promise<void>;
}

/** Under Dapr, DATABASE_URL and AUTH_SECRET come from the secret store (the environment still wins when set). */
async function secretsFromDapr(config: Config, dapr: DaprClient, log: Logger): Promise<Config> {
  const secrets = await dapr.getSecret(config.dapr.secretStore, config.dapr.secretName);
  log.info({ store: config.dapr.secretStore, keys: Object.keys(secrets) }, 'secrets read from Dapr');
  return { ...config, databaseUrl: config.databaseUrl ?? secrets.DATABASE_URL, authSecret: config.authSecret ?? secrets.AUTH_SECRET };
}

export async function start(initial: Config, log: Logger, opts: { now?: () => Date } = {}): Promise<Running> {
  let config = initial;
  const dapr = config.eventBus === 'dapr' ? new DaprClient(config.dapr.httpPort ?? 3500, config.dapr.apiToken) : undefined;
  // daprd waits for the app port before it reports healthy, so answer on it while we wait for daprd
  const early = dapr ? await earlyListener(config.port, config.host, log) : undefined;
  if (dapr) {
    await dapr.waitUntilReady(SIDECAR_WAIT_MS);
    config = await secretsFromDapr(config, dapr, log);
  }
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir, log);
  const url = config.databaseUrl ?? embedded!.url;
  await migrate(url, log);
  const database = await openDatabase({
    url,
    poolSize: config.dbPoolSize,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    onIdleError: (err) => log.warn({ err: err.message }, 'idle database connection lost; the pool reconnects on demand'),
  });
  const authSecret = config.authSecret ?? (await loadOrCreateSecret(config.dataDir));

  const services = await createServices({ config, log, database, authSecret, dapr, now: opts.now });
  const server = await buildServer(services);
  await early?.close();
  await server.listen({ port: config.port, host: config.host });
  await services.start();
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log.info(
    { port, mode: config.eventBus, role: config.role, database: embedded ? 'embedded' : 'server', node: process.version },
    'taskstream ready',
  );

  return {
    services,
    database,
    port,
    async stop() {
      // open SSE streams would hold server.close() until the grace period: end them first
      services.streams.endAll();
      await server.close();
      await services.stop();
      await database.close();
      await embedded?.stop();
    },
  };
}
