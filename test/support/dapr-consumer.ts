/**
 * A consumer process of distributed mode, in-process: its services with a Dapr bus (the sidecar is
 * never called on the consumer side) and the HTTP routes daprd delivers to, on an embedded database.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServices, type Services } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { DaprClient } from '../../src/dapr/client.js';
import { openEmbeddedDatabase } from '../../src/db/embedded-postgres.js';
import { buildServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';

export interface DaprConsumer {
  services: Services;
  server: Awaited<ReturnType<typeof buildServer>>;
  close(): Promise<void>;
}

export async function startDaprConsumer(role: 'recurring' | 'notifications', appApiToken: string): Promise<DaprConsumer> {
  const dir = await mkdtemp(path.join(tmpdir(), `taskstream-dapr-${role}-`));
  const database = await openEmbeddedDatabase(dir);
  const config = loadConfig({
    EVENT_BUS: 'dapr',
    DAPR_HTTP_PORT: '3599',
    ROLE: role,
    APP_API_TOKEN: appApiToken,
    DATA_DIR: dir,
    LOG_LEVEL: 'silent',
  });
  const services = await createServices({
    config,
    log: createLogger('silent'),
    database,
    authSecret: 'x'.repeat(32),
    dapr: {} as DaprClient,
  });
  const server = await buildServer(services);
  return {
    services,
    server,
    async close() {
      await server.close();
      await services.stop();
      await database.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
