/**
 * Who may read /metrics: with METRICS_TOKEN set, whoever sends it as a bearer token
 * (Prometheus: `authorization: { credentials: … }`); without it, loopback callers only — a
 * scraper on the same host or a sidecar — so a default deployment does not publish its internals.
 */
import type { FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { forbidden, unauthorized } from './problems.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export function requireMetricsAccess(token: string | undefined) {
  return async (request: FastifyRequest): Promise<void> => {
    if (token) {
      const [scheme, sent] = (request.headers.authorization ?? '').split(' ');
      if (scheme?.toLowerCase() !== 'bearer' || !sent || !same(sent, token))
        throw unauthorized('/metrics needs the METRICS_TOKEN bearer token');
      return;
    }
    // the socket's address, not request.ip: behind a proxy every caller would look like the proxy (or claim loopback)
    if (!LOOPBACK.has(request.socket.remoteAddress ?? ''))
      throw forbidden('/metrics answers loopback callers only; set METRICS_TOKEN to scrape it remotely');
  };
}
