/** The app port's stand-in while the Dapr sidecar comes up: daprd waits for the port before it reports healthy. */
import { createServer } from 'node:http';
import type { Logger } from '../logger.js';

export interface EarlyListener {
  close(): Promise<void>;
}

/** Answers /healthz (and 503 for everything else) on `port` until closed. */
export async function earlyListener(port: number, host: string, log: Logger): Promise<EarlyListener> {
  const server = createServer((req, res) => {
    res.statusCode = req.url === '/healthz' ? 200 : 503;
    res.setHeader('retry-after', '1');
    res.setHeader('connection', 'close');
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  log.info({ port }, 'listening (waiting for the Dapr sidecar)');
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // close() waits for every open connection, and one that never sent a byte counts as busy:
        // daprd's HTTP client (Go) keeps such spare connections, which held start-up for minutes
        server.closeAllConnections();
      }),
  };
}
