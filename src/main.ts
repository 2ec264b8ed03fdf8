/** Process entry point: configuration, logging, start (alone or as a cluster), graceful shutdown on SIGTERM/SIGINT. */
import cluster from 'node:cluster';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { flushTracing } from './tracing/context.js';

const SHUTDOWN_GRACE_MS = 15_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  // imported on demand: a cluster primary never loads the service (HTTP, routes, consumers),
  // which kept ~70 MB (PSS 115 → 44 MB) in a process that only supervises the workers
  const running =
    cluster.isPrimary && config.webConcurrency > 1
      ? await (await import('./cluster.js')).startPrimary(config, log)
      : await (await import('./bootstrap.js')).start(config, log);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: stop accepting, drain requests, flush the outbox, close the database');
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
    try {
      await running.stop();
      await flushTracing(); // the last spans, which process.exit would drop
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'unclean shutdown');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // a worker whose primary died (SIGKILL) would otherwise serve on with nobody to restart it
  if (cluster.isWorker) process.on('disconnect', () => void shutdown('primary gone'));
}

main().catch((err: unknown) => {
  const message = err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`taskstream failed to start: ${message}\n`);
  process.exit(1);
});
