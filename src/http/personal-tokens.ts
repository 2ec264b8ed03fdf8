/**
 * Personal access tokens on the HTTP side: who the token acts for, and whether its scopes allow
 * this route. A route says what a token needs in its config (`tokenScope`); without it, reads
 * (GET, HEAD) need `tasks:read` and everything else `tasks:write`. `none` refuses tokens: managing
 * tokens and preferences takes a login, so a leaked token cannot mint others or outlive its revocation.
 */
import type { FastifyRequest, RouteOptions } from 'fastify';
import type { AccessTokens, TokenPrincipal } from '../auth/access-tokens.js';
import type { Scope } from '../auth/access-token-model.js';
import { forbidden } from './problems.js';

/** what a personal access token needs on a route; `per-call`: the handler checks (MCP tools) */
export type TokenScopeRule = Scope | 'none' | 'per-call';

declare module 'fastify' {
  interface FastifyInstance {
    accessTokens: AccessTokens;
  }
  interface FastifyRequest {
    /** set when a personal access token authenticated the request (a login token may do anything) */
    accessToken?: TokenPrincipal;
  }
  interface FastifyContextConfig {
    tokenScope?: TokenScopeRule;
  }
}

export async function personalTokenUser(request: FastifyRequest, secret: string): Promise<string> {
  // unknown, revoked or expired: InvalidTokenError, a 401 like a bad login token
  const principal = await request.server.accessTokens.authenticate(secret);
  const rule =
    request.routeOptions.config.tokenScope ?? (request.method === 'GET' || request.method === 'HEAD' ? 'tasks:read' : 'tasks:write');
  if (rule === 'none') throw forbidden('personal access tokens cannot do this: sign in');
  if (rule !== 'per-call') requireScope(principal, rule);
  request.accessToken = principal;
  return principal.userId;
}

/** Throws 403 unless the request's personal access token (if any) has `scope`. */
export function requireScope(principal: TokenPrincipal | undefined, scope: Scope): void {
  if (principal && !principal.scopes.includes(scope)) throw forbidden(`this access token lacks the ${scope} scope`);
}

/**
 * `app.addHook('onRoute', loginOnly)`: every route of the plugin refuses personal access tokens.
 * For the account's integrations (tokens, webhooks, calendar feed URLs): each opens a new
 * long-lived way to the data, which would outlive the revocation of a token that made it.
 */
export function loginOnly(route: RouteOptions): void {
  route.config = { ...route.config, tokenScope: 'none' };
}
