/** A real local HTTP receiver for webhook tests: records every request, answers as told. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  json: any;
  path: string;
  /** Date.now() when the request was complete */
  at: number;
}

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** the status to answer each request with (default 200) */
  respond: (r: Received) => number;
  /** resolves with the first received request matching `pred` (already received or future) */
  next(pred: (r: Received) => boolean, timeoutMs?: number): Promise<Received>;
  close(): Promise<void>;
}

export async function startReceiver(port = 0): Promise<Receiver> {
  const waiters = new Set<() => void>();
  const self: Receiver = {
    url: '',
    port: 0,
    received: [],
    respond: () => 200,
    next(pred, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = self.received.find(pred);
          if (!hit) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching webhook request within ${timeoutMs} ms (got ${self.received.length})`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const r: Received = { headers: req.headers, body, json, path: req.url ?? '', at: Date.now() };
      self.received.push(r);
      res.statusCode = self.respond(r);
      res.end('ok');
      for (const w of [...waiters]) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  self.port = (server.address() as AddressInfo).port;
  self.url = `http://127.0.0.1:${self.port}`;
  return self;
}
