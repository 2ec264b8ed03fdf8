/**
 * Fastify's close() waits for every open connection, and two kinds were left open for long:
 * - a connection that never carried a request: Node counts it busy, so neither its idle sweep nor
 *   Fastify's closes it. Clients keep such spares (Go's HTTP client — daprd, to the app port — and
 *   browsers' preconnects), so shutdown waited out its grace period and exited without flushing
 *   the outbox. These are destroyed at close.
 * - a keep-alive connection whose request was in flight at close: after its response it stays
 *   open for the keep-alive timeout (72 s). At close that timeout drops to 1 ms, so it ends right
 *   after its response.
 * A request in flight still gets its response.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** The part of a Fastify instance this needs (whatever its type provider and logger). */
interface Closable {
  server: Server;
  addHook(name: 'preClose', hook: () => Promise<void>): unknown;
}

export function closeConnectionsPromptly(app: Closable): void {
  const unused = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    unused.add(socket);
    socket.once('close', () => unused.delete(socket));
  });
  app.server.on('request', (req: { socket: Socket }) => unused.delete(req.socket));
  // preClose runs right before Fastify closes the listener
  app.addHook('preClose', async () => {
    // read by Node when a response ends (the socket's timeout is their sum)
    Object.assign(app.server, { keepAliveTimeout: 1, keepAliveTimeoutBuffer: 0 });
    for (const socket of unused) socket.destroy();
  });
}
