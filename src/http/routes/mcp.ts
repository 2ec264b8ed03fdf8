/**
 * `/mcp`: the Model Context Protocol over Streamable HTTP, for AI assistants.
 *
 * Stateless: every POST carries its bearer token and gets a fresh SDK server and transport, and
 * the answer is plain JSON. Nothing of a "session" lives in a process, so under node:cluster (or
 * behind any load balancer) each request may land on any worker: a stateful session would live in
 * the one worker that answered `initialize`, and the next connection is dealt to another. The
 * tools need no server-initiated messages, so the optional GET stream is not offered (405).
 */
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { Type } from '@sinclair/typebox';
import Negotiator from 'negotiator';
import * as z from 'zod/v4';
import { createMcpServer } from '../../mcp/server.js';
import { signedInRoutes, userOf } from '../auth.js';
import { forbidden, HttpProblem, problems } from '../problems.js';

/**
 * The body as the SDK's transport checks it (its own zod schema, converted): a body it would refuse
 * with its JSON-RPC 400 is refused here first, as a 422 problem naming the field like every route.
 */
const { $schema: _draft, ...jsonRpcMessage } = z.toJSONSchema(JSONRPCMessageSchema, { io: 'input' });
const JsonRpcMessage = Type.Unsafe<unknown>({ ...jsonRpcMessage, description: 'a JSON-RPC 2.0 message of the MCP protocol' });

/** what the transport needs to see: it insists on both types (MCP asks clients to send them) */
const TRANSPORT_ACCEPT = 'application/json, text/event-stream';

const sameHost = (origin: string, host: string): boolean => {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
};

export const mcpRoutes = signedInRoutes(async (app, s) => {
  app.post(
    '/mcp',
    {
      // a personal access token's scopes are checked per tool: reads need tasks:read, writes tasks:write
      config: { tokenScope: 'per-call' },
      schema: {
        tags: ['mcp'],
        summary: 'Model Context Protocol (Streamable HTTP, stateless; send Accept: application/json, text/event-stream)',
        description: 'Answers are JSON, never a stream: any Accept that admits application/json is served, others get 406.',
        body: JsonRpcMessage,
        response: {
          200: Type.Object({}, { additionalProperties: true, description: 'the JSON-RPC response' }),
          202: Type.Null({ description: 'a notification or response was accepted' }),
          ...problems(400, 401, 403, 406, 413, 415, 422),
        },
      },
    },
    async (req, reply) => {
      // MCP asks servers to check Origin against DNS rebinding: a browser page elsewhere gets no answer
      const origin = req.headers.origin;
      if (origin !== undefined && !sameHost(origin, req.host)) throw forbidden(`requests from ${origin} are not accepted`);
      // enableJsonResponse: every answer is JSON, so a client that accepts JSON (no Accept, */*, …) is
      // served; the transport would answer 406 in a JSON-RPC body unless it sees both types listed
      if (!new Negotiator(req.raw).mediaType(['application/json']))
        throw new HttpProblem(406, 'not-acceptable', 'Not acceptable', `the answer is application/json; send Accept: ${TRANSPORT_ACCEPT}`);
      req.raw.headers.accept = TRANSPORT_ACCEPT;
      const server = createMcpServer({
        userId: userOf(req),
        authorization: req.headers.authorization ?? '',
        token: req.accessToken,
        app: req.server,
        services: s,
      });
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      // the transport writes the raw response: keep the headers earlier hooks set (x-request-id, …)
      for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value);
      reply.hijack();
      reply.raw.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req.raw, reply.raw, req.body);
    },
  );
});
