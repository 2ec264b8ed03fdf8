/** The live stream (SSE) of the user's task, notification and project changes. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../app.js';
import { metrics } from '../../metrics.js';
import type { LiveMessage } from '../../live/hub.js';
import { boundedWriter, StreamGate } from '../../live/stream-limits.js';
import { AccessFilter } from '../../live/access-filter.js';
import { requireStreamUser, userOf } from '../auth.js';
import { UserParams } from '../params.js';
import { problems } from '../problems.js';

const HEARTBEAT_MS = 15_000;

/** SSE: its own plugin because a browser's EventSource authenticates with a ticket (?ticket=), not a header. */
export const streamRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.addHook('onRequest', requireStreamUser(s.auth));
    const gate = new StreamGate(s.config.limits.sseStreamsPerUser);
    app.get(
      '/api/:user_id/stream',
      {
        schema: {
          tags: ['live'],
          summary: 'Server-Sent Events: `task` (a task-events message) and `notification` events for this user',
          params: UserParams,
          description:
            'Authenticate with `Authorization: Bearer …`, or — from a browser’s EventSource — with a single-use `ticket` ' +
            'from POST /api/{user_id}/stream-ticket. 429 when the user already holds LIMIT_SSE_STREAMS streams. ' +
            'The server ends a stream after LIMIT_SSE_SECONDS (15 min): reconnect with a new ticket.',
          // either credential: the ticket is a security scheme of its own (an apiKey in the query,
          // src/http/server.ts), not a plain parameter, so the document does not claim the bearer
          // header is required here; requireStreamUser bounds its length (401 beyond 100)
          security: [{ bearer: [] }, { streamTicket: [] }],
          produces: ['text/event-stream'],
          response: {
            200: { description: 'An endless event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
            ...problems(401, 403, 422, 429),
          },
        },
      },
      async (req, reply) => {
        const userId = userOf(req);
        const release = gate.enter(userId); // 429 when the user holds too many
        reply.hijack();
        const res = reply.raw;
        const write = boundedWriter(res, s.config.limits.sseBufferBytes);
        // the security headers and the request id, set on the reply before the hijack
        for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) res.setHeader(name, value);
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        write(`retry: 2000\n: connected\n\n`);
        const access = new AccessFilter(userId);
        const send = (m: LiveMessage) => {
          if (access.pass(m)) write(`id: ${m.id}\nevent: ${m.kind}\ndata: ${JSON.stringify(m.data)}\n\n`);
        };
        const unsubscribe = s.hub.subscribe(userId, send);
        const heartbeat = setInterval(() => write(': ping\n\n'), HEARTBEAT_MS);
        // authenticated once, at its start: it lasts no longer than an access token, so a revoked session stops listening
        const lifetime = setTimeout(() => res.end(), s.config.limits.sseSeconds * 1000);
        metrics.sseClients.inc();
        const cleanup = () => {
          release();
          clearInterval(heartbeat);
          clearTimeout(lifetime);
          unsubscribe();
          metrics.sseClients.dec();
        };
        res.on('close', cleanup);
        s.streams.add(res); // at shutdown: ended at once
      },
    );
  };
