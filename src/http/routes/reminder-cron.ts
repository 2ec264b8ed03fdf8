/**
 * `/reminder-cron`: a reminder scan on request. The Dapr cron binding calls it as the clocks'
 * safety net; in embedded mode it is there for operators with the app token.
 */
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../app.js';
import { requireSidecar } from '../auth.js';

/**
 * Dapr calls it with `content-type: application/json` and an empty body, which Fastify's JSON
 * parser rejects, so this scope parses JSON leniently (an empty body is no body).
 */
export async function reminderCronRoutes(app: FastifyInstance, s: Services): Promise<void> {
  const sidecarOnly = requireSidecar(s.config.dapr.appApiToken);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body).trim();
    try {
      done(null, text ? JSON.parse(text) : undefined);
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.options('/reminder-cron', { preHandler: sidecarOnly, schema: { hide: true } }, async (_req, reply) => reply.code(200).send());
  app.post('/reminder-cron', { preHandler: sidecarOnly, schema: { hide: true } }, async () => {
    const fired = await s.scanner.scan();
    if (fired) s.changed();
    return { fired };
  });
}
