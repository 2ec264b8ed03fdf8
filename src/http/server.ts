/** The Fastify server: validation, problem+json errors, OpenAPI, request ids, metrics, routes. */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { LogController } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Services } from '../app.js';
import { metrics, metricsText, registry } from '../metrics.js';
import { daprRoutes } from '../events/dapr/routes.js';
import { errorHandler, HttpProblem, problemResponse, sendProblem } from './problems.js';
import { isWellFormed, WELL_FORMED } from '../tasks/model.js';
import { authRoutes } from './routes/auth.js';
import { preferencesRoutes } from './routes/preferences.js';
import { notificationRoutes } from './routes/notifications.js';
import { streamRoutes } from './routes/stream.js';
import { reminderCronRoutes } from './routes/reminder-cron.js';
import { accountRoutes } from './routes/account.js';
import { docsCsp, webSecurityHeaders } from './security-headers.js';
import { closeConnectionsPromptly } from './graceful-close.js';
import { requireMetricsAccess } from './metrics-access.js';
import { taskRoutes } from './routes/tasks.js';
import { webhookRoutes } from './routes/webhooks.js';
import { calendarRoutes, icalRoutes } from './routes/calendar.js';
import { tokenRoutes } from './routes/tokens.js';
import { mcpRoutes } from './routes/mcp.js';
import { projectRoutes } from './routes/projects.js';
import { memberRoutes } from './routes/members.js';
import { WRITE_METHODS, WriteRate } from '../limits/write-rate.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
export const BODY_LIMIT = 64 * 1024;
/** longest path parameter the router accepts: above every parameter's maxLength, so the schemas decide */
export const MAX_PARAM_LENGTH = 500;

/** Bodies are validated strictly (no type coercion, unknown fields rejected); query strings are coerced. */
function validators() {
  const make = (coerce: boolean) =>
    addFormats(
      // verbose: an error carries its schema, so a `not` names the fields it excludes (problems.ts)
      new Ajv({
        coerceTypes: coerce ? 'array' : false,
        useDefaults: true,
        removeAdditional: false,
        allErrors: true,
        strict: false,
        verbose: true,
      }),
    ).addFormat(WELL_FORMED, { type: 'string', validate: isWellFormed });
  return { body: make(false), other: make(true) };
}

/** The repo/package root, found from this module (works from src/ under tsx and from dist/src/). */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/** A Fastify route URL (`/api/:user_id/tasks/:id`) as a regular expression for concrete paths. */
function routePattern(url: string): RegExp {
  const source = url
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg === '*' ? '.*' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}/?$`);
}

/**
 * @fastify/swagger marks every request body required; a body whose schema admits null may be
 * left out (PATCH …/complete without a body toggles), so say so in the document.
 */
function optionalBodies<T>(doc: T): T {
  type Body = { required?: boolean; content?: Record<string, { schema?: { anyOf?: { type?: unknown }[] } }> };
  const paths = (doc as { paths?: Record<string, Record<string, { requestBody?: Body }>> }).paths ?? {};
  for (const operations of Object.values(paths)) {
    for (const op of Object.values(operations)) {
      const body = op.requestBody;
      if (body?.content?.['application/json']?.schema?.anyOf?.some((s) => s.type === 'null')) body.required = false;
    }
  }
  return doc;
}

/**
 * The router refuses a path parameter longer than MAX_PARAM_LENGTH with 414 before any route
 * runs (find-my-way bounds what it matches): every operation with a path parameter may answer it.
 * Documented here, once, rather than in each route's schema, so no new route can miss it.
 */
function uriTooLong<T>(doc: T): T {
  const paths = (doc as { paths?: Record<string, Record<string, { responses?: Record<string, unknown> }>> }).paths ?? {};
  const response = problemResponse(`A path parameter is longer than ${MAX_PARAM_LENGTH} characters (refused by the router)`);
  for (const [url, operations] of Object.entries(paths)) {
    if (!url.includes('{')) continue;
    for (const op of Object.values(operations)) op.responses = { ...op.responses, 414: response };
  }
  return doc;
}

/**
 * 429 with Retry-After on every operation that can answer it, generated here so no route can miss
 * it: every authenticated write (the per-user write rate is a hook on the whole server, WriteRate),
 * and the operations that declare a limit of their own in their route (login and password-change
 * throttling, register's rate limit, the open-stream cap), which gain the header. Every 429 the
 * server sends carries Retry-After (the write rate, the throttle, the stream cap and
 * @fastify/rate-limit all set it), so the document says it is required.
 */
function tooManyRequests<T>(doc: T): T {
  type Operation = { security?: unknown[]; responses?: Record<string, unknown> };
  const d = doc as { security?: unknown[]; paths?: Record<string, Record<string, Operation>> };
  const response = {
    ...problemResponse('Too many requests: wait the seconds Retry-After says, then retry'),
    headers: { 'Retry-After': { description: 'seconds to wait', required: true, schema: { type: 'integer', minimum: 0 } } },
  };
  for (const operations of Object.values(d.paths ?? {})) {
    for (const [method, op] of Object.entries(operations)) {
      const authenticated = (op.security ?? d.security ?? []).length > 0;
      if (op.responses?.['429'] || (authenticated && WRITE_METHODS.has(method.toUpperCase())))
        op.responses = { ...op.responses, 429: response };
    }
  }
  return doc;
}

/** a hop count as the function Fastify makes of it (its types take no number): the nearest `hops` addresses are proxies */
const trustProxyOption = (tp: boolean | number | string) => (typeof tp === 'number' ? (_addr: string, hop: number) => hop < tp : tp);

const apiPublic = (url: string) => !url.startsWith('/api/') && !url.startsWith('/dapr/') && url !== '/reminder-cron';

export async function buildServer(s: Services, opts: { webRoot?: string } = {}) {
  const app = Fastify({
    loggerInstance: s.log,
    bodyLimit: BODY_LIMIT,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && /^[\w.-]{1,100}$/.test(incoming) ? incoming : randomUUID();
    },
    // our onResponse hook logs one line per interesting request instead of fastify's two
    logController: new LogController({ requestIdLogLabel: 'request_id', disableRequestLogging: true }),
    // TRUST_PROXY: behind an ingress, the client address (login throttling) and protocol (Secure cookie) come from X-Forwarded-*
    trustProxy: trustProxyOption(s.config.trustProxy),
    // find-my-way's default (100) answered 414 to a {user_id} the schema allows (≤ 128: external
    // identity providers' subjects can be long), before authentication and in a non-problem body
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // router-level errors (bad percent-encoding, a path parameter over the limit) as problem+json too
    frameworkErrors: (err, req, reply) =>
      sendProblem(
        reply,
        req,
        new HttpProblem(err.statusCode ?? 400, 'bad-request', err.statusCode === 414 ? 'URI too long' : 'Bad request', err.message),
      ),
    ajv: { customOptions: { strict: false } },
    // the serializer picks an anyOf branch with an Ajv of its own, which must know our format too
    serializerOpts: { ajv: { formats: { [WELL_FORMED]: { type: 'string', validate: isWellFormed } } } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  closeConnectionsPromptly(app);

  // which methods each route path answers, so an unsupported method gets 405 + Allow instead of 404
  const routeMethods: { pattern: RegExp; methods: Set<string> }[] = [];
  app.addHook('onRoute', (route) => {
    const pattern = routePattern(route.url);
    const entry = routeMethods.find((r) => r.pattern.source === pattern.source) ?? { pattern, methods: new Set<string>() };
    if (!routeMethods.includes(entry)) routeMethods.push(entry);
    for (const m of [route.method].flat()) entry.methods.add(m);
  });
  const allowedMethods = (url: string): string[] => {
    const pathname = url.split('?')[0] ?? url;
    return [...new Set(routeMethods.filter((r) => r.pattern.test(pathname)).flatMap((r) => [...r.methods]))].sort();
  };

  const ajv = validators();
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? ajv.body : ajv.other).compile(schema));
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, req, new HttpProblem(404, 'not-found', 'Not found', `no route for ${req.method} ${req.url.split('?')[0]}`)),
  );

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    if (req.is404) {
      // before any body parsing: a method with a body (QUERY) would otherwise fail on its content type first
      const allow = allowedMethods(req.url);
      if (allow.length) {
        reply.header('allow', allow.join(', '));
        throw new HttpProblem(
          405,
          'method-not-allowed',
          'Method not allowed',
          `${req.method} is not supported here; use ${allow.join(', ')}`,
        );
      }
    }
  });
  // per-user write rate, checked once the route's auth hook named the user
  const writeRate = new WriteRate(s.config.limits.writesPerSecond, s.config.limits.writeBurst);
  app.addHook('preParsing', async (req) => writeRate.hook(req));
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe({ method: req.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    if (!apiPublic(req.url) || reply.statusCode >= 400) {
      req.log.info({ method: req.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    }
  });

  const webRoot = opts.webRoot ?? path.join(packageRoot(), 'dist', 'web');
  const securityHeaders = webSecurityHeaders(webRoot);
  app.addHook('onRequest', (_req, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });
  await app.register(cookie);
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, message: `rate limit exceeded, retry in ${ctx.after}` }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Taskstream API', version: '1.0.0', description: 'Event-driven task service. Errors are RFC 9457 problem+json.' },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'a login access token (JWT) or a personal access token (`tsk_…`, scoped)',
          },
          streamTicket: {
            type: 'apiKey',
            in: 'query',
            name: 'ticket',
            description:
              'GET /api/{user_id}/stream only: a single-use, 30 s ticket from POST /api/{user_id}/stream-ticket (EventSource cannot send a header)',
          },
        },
      },
      security: [{ bearer: [] }],
    },
    transformObject: (doc) => ('openapiObject' in doc ? tooManyRequests(uriTooLong(optionalBodies(doc.openapiObject))) : doc.swaggerObject),
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, transformStaticCSP: docsCsp });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (req, reply) => {
    const checks = await s.readiness();
    const ready = Object.values(checks).every(Boolean);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });
  app.get('/metrics', { schema: { hide: true }, onRequest: requireMetricsAccess(s.config.metricsToken) }, async (_req, reply) =>
    reply.type(registry.contentType).send(await metricsText()),
  );

  // the auth hook of every API route reads personal access tokens through this (src/http/personal-tokens.ts)
  app.decorate('accessTokens', s.accessTokens);
  if (s.servesApi) {
    await app.register(authRoutes(s));
    await app.register(taskRoutes(s));
    await app.register(projectRoutes(s));
    await app.register(memberRoutes(s));
    await app.register(preferencesRoutes(s));
    await app.register(notificationRoutes(s));
    await app.register(accountRoutes(s));
    await app.register(streamRoutes(s));
    await app.register(webhookRoutes(s));
    await app.register(calendarRoutes(s));
    await app.register(icalRoutes(s));
    await app.register(tokenRoutes(s));
    await app.register(mcpRoutes(s));
  }
  await app.register(async (scope) => reminderCronRoutes(scope, s));
  if (s.daprBus) await app.register(async (scope) => daprRoutes(scope, s));

  if (s.servesApi && existsSync(webRoot)) {
    await app.register(fastifyStatic, { root: webRoot, prefix: '/', wildcard: false, index: ['index.html'] });
  }
  return app;
}
