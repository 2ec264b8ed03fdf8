/**
 * Authentication for `/api/{user_id}/...`: a verified bearer token whose subject is {user_id}.
 * No/invalid token → 401; someone else's path → 403. Resource ownership (→ 404) is the services' job.
 * Runs as an `onRequest` hook: authentication comes before body parsing and validation, so an
 * anonymous caller learns nothing about the API (401, never 400/413/422).
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../app.js';
import { timingSafeEqual } from 'node:crypto';
import type { AuthService } from '../auth/service.js';
import { isPersonalToken } from '../auth/access-tokens.js';
import { personalTokenUser } from './personal-tokens.js';
import { forbidden, unauthorized } from './problems.js';

declare module 'fastify' {
  interface FastifyRequest {
    userId?: string;
  }
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const [scheme, token] = header.split(' ');
    if (scheme?.toLowerCase() === 'bearer' && token) return token;
    throw unauthorized('use "Authorization: Bearer <token>"');
  }
  return undefined;
}

export function requireUser(auth: AuthService) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = bearer(request);
    if (!token) throw unauthorized('missing bearer token');
    // dispatch by kind: `tsk_…` is a personal access token (scoped, checked in the database)
    const subject = isPersonalToken(token) ? await personalTokenUser(request, token) : await auth.authenticate(token);
    const { user_id } = request.params as { user_id?: string };
    if (user_id !== undefined && user_id !== subject) throw forbidden('this token belongs to another user');
    request.userId = subject;
  };
}

type DeclareRoutes = (app: Parameters<FastifyPluginAsyncTypebox>[0], s: Services) => Promise<void>;

/**
 * A plugin of routes for a signed-in caller: `requireUser` checks every request before a route
 * sees it. `declare` declares the routes; `tags`: the OpenAPI tags of those that name none.
 */
export function signedInRoutes(declare: DeclareRoutes): (s: Services) => FastifyPluginAsyncTypebox;
export function signedInRoutes(opts: { tags: string[] }, declare: DeclareRoutes): (s: Services) => FastifyPluginAsyncTypebox;
export function signedInRoutes(...args: [DeclareRoutes] | [{ tags: string[] }, DeclareRoutes]) {
  const [opts, declare] = args.length === 1 ? [undefined, args[0]] : args;
  return (s: Services): FastifyPluginAsyncTypebox =>
    async (app) => {
      app.addHook('onRequest', requireUser(s.auth));
      const tags = opts?.tags;
      if (tags) app.addHook('onRoute', (route) => void (route.schema = { tags, ...route.schema }));
      await declare(app, s);
    };
}

/**
 * The SSE stream: EventSource cannot send a header, and a token in a URL ends up in logs and
 * histories, so a browser opens it with `?ticket=` (single use, 30 s: POST …/stream-ticket).
 * Other clients may send the bearer header as anywhere else. Every credential presented must be
 * valid: an invalid header beside a good ticket is refused (401), not ignored.
 */
export function requireStreamUser(auth: AuthService) {
  const byHeader = requireUser(auth);
  return async (request: FastifyRequest): Promise<void> => {
    const { ticket } = request.query as { ticket?: unknown };
    if (ticket === undefined || request.headers.authorization !== undefined) await byHeader(request);
    if (ticket === undefined) return;
    if (typeof ticket !== 'string' || ticket.length > 100) throw unauthorized('invalid stream ticket');
    const subject = await auth.sessions.redeem(ticket);
    if (!subject) throw unauthorized('the stream ticket is unknown, used or expired; get another from POST …/stream-ticket');
    const { user_id } = request.params as { user_id?: string };
    if (user_id !== subject) throw forbidden('this ticket belongs to another user');
    request.userId = subject;
  };
}

/** The authenticated user's id (the hook above ran). */
export function userOf(request: FastifyRequest): string {
  if (!request.userId) throw unauthorized('missing bearer token');
  return request.userId;
}

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Routes only the Dapr sidecar may call (subscriptions, the cron binding). With APP_API_TOKEN
 * set, Dapr sends it as `dapr-api-token`; without it, only loopback callers are accepted.
 */
export function requireSidecar(appApiToken: string | undefined) {
  return async (request: FastifyRequest): Promise<void> => {
    if (appApiToken) {
      const sent = request.headers['dapr-api-token'];
      if (typeof sent !== 'string' || !same(sent, appApiToken)) throw unauthorized('this endpoint is for the Dapr sidecar only');
      return;
    }
    if (!LOOPBACK.has(request.socket.remoteAddress ?? '')) throw forbidden('this endpoint is for the Dapr sidecar only');
  };
}
