/** Typed, validated environment. Fails fast with every bad variable named. */
import { availableParallelism } from 'node:os';

export const ROLES = ['all', 'api', 'recurring', 'notifications'] as const;
export type Role = (typeof ROLES)[number];
export type EventBusKind = 'embedded' | 'dapr';
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  authSecret: string | undefined;
  /** optional external identity provider: verify its RS/ES-signed tokens through its JWKS */
  authJwksUrl: string | undefined;
  authIssuer: string | undefined;
  authAudience: string | undefined;
  /** access-token lifetime (≤ 15 min: a revoked session's last access token lives at most this long) */
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Fastify's trustProxy: false, true, a hop count, or addresses/CIDRs of the proxies */
  trustProxy: boolean | number | string;
  /** bearer token /metrics requires; unset: /metrics answers loopback callers only */
  metricsToken: string | undefined;
  /** sign-in attempts per client address and minute (all accounts together) */
  loginAttemptsPerMinute: number;
  eventBus: EventBusKind;
  role: Role;
  logLevel: LogLevel;
  dapr: {
    httpPort: number | undefined;
    appApiToken: string | undefined;
    apiToken: string | undefined;
    pubsub: string;
    stateStore: string;
    secretStore: string;
    secretName: string;
  };
  /** safety scan of the embedded reminder clock (the armed timer does the precise work) */
  reminderScanMs: number;
  relayPollMs: number;
  /** HTTP worker processes (node:cluster); 1 = this process serves alone */
  webConcurrency: number;
  /** connections per process */
  dbPoolSize: number;
  /** a query running longer is cancelled (0 = no limit) */
  dbStatementTimeoutMs: number;
  /** per-user limits (see src/limits/ for which are per process and why) */
  limits: Limits;
  webhooks: WebhookConfig;
}

/** Delivery of webhooks (src/webhooks/): retries, timeouts, isolation, SSRF. */
export interface WebhookConfig {
  /** loopback/private/link-local targets allowed (tests' local receivers, on-premises receivers) */
  allowPrivate: boolean;
  /** one POST, connect to last byte */
  timeoutMs: number;
  /** POSTs in flight per process (and at most one per webhook) */
  concurrency: number;
  /** attempts of one delivery before it is given up (failed) */
  maxAttempts: number;
  /** delay before the 2nd attempt; doubled for each further one (with jitter), capped at retryMaxMs */
  retryBaseMs: number;
  retryMaxMs: number;
  /** failed attempts in a row (any delivery) after which a webhook is disabled and its owner notified */
  disableAfter: number;
  /** how often a worker looks for due deliveries when nothing woke it */
  pollMs: number;
}

export interface Limits {
  sseStreamsPerUser: number;
  sseBufferBytes: number;
  /** a stream ends after this long (the client reconnects with a new ticket): a revoked session stops listening too */
  sseSeconds: number;
  writesPerSecond: number;
  writeBurst: number;
  tasksPerUser: number;
  notificationsPerUser: number;
  webhooksPerUser: number;
  tokensPerUser: number;
  projectsPerUser: number;
  tasksPerProject: number;
  /** levels of a task tree, the top-level task being level 1 */
  taskLevels: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, errors: string[], min = 0, max = 65535 * 1e6): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) errors.push(`${name} must be an integer in [${min}, ${max}], got "${raw}"`);
  return n;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T, errors: string[]): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) errors.push(`${name} must be one of ${allowed.join('|')}, got "${raw}"`);
  return raw as T;
}

function bool(env: Env, name: string, fallback: boolean, errors: string[]): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true'].includes(raw)) return true;
  if (['0', 'false'].includes(raw)) return false;
  errors.push(`${name} must be 1 or 0, got "${raw}"`);
  return fallback;
}

/** TRUST_PROXY: unset/false, true (trust every hop: only when nothing but the proxy can reach us), a hop count, or proxy addresses/CIDRs */
function trustProxy(raw: string | undefined): boolean | number | string {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  return raw;
}

const opt = (env: Env, name: string): string | undefined => (env[name] ? env[name] : undefined);

export function loadConfig(env: Env = process.env): Config {
  const errors: string[] = [];
  const daprHttpPort = env.DAPR_HTTP_PORT ? int(env, 'DAPR_HTTP_PORT', 3500, errors, 1, 65535) : undefined;
  // embedded mode scales on this machine's cores; under Dapr the orchestrator scales replicas
  const webConcurrency = int(env, 'WEB_CONCURRENCY', daprHttpPort ? 1 : Math.min(availableParallelism(), 8), errors, 1, 64);
  const config: Config = {
    port: int(env, 'PORT', 8000, errors, 0, 65535),
    host: env.HOST || '0.0.0.0',
    dataDir: env.DATA_DIR || './data',
    databaseUrl: opt(env, 'DATABASE_URL'),
    authSecret: opt(env, 'AUTH_SECRET'),
    authJwksUrl: opt(env, 'AUTH_JWKS_URL'),
    authIssuer: opt(env, 'AUTH_ISSUER'),
    authAudience: opt(env, 'AUTH_AUDIENCE'),
    accessTokenTtlSeconds: int(env, 'ACCESS_TOKEN_TTL', 900, errors, 30, 900),
    refreshTokenTtlSeconds: int(env, 'REFRESH_TOKEN_TTL', 30 * 86_400, errors, 300, 365 * 86_400),
    trustProxy: trustProxy(env.TRUST_PROXY),
    metricsToken: opt(env, 'METRICS_TOKEN'),
    loginAttemptsPerMinute: int(env, 'LOGIN_ATTEMPTS_PER_MINUTE', 10, errors, 1, 100_000),
    eventBus: oneOf(env, 'EVENT_BUS', ['embedded', 'dapr'], daprHttpPort ? 'dapr' : 'embedded', errors),
    role: oneOf(env, 'ROLE', ROLES, 'all', errors),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info', errors),
    dapr: {
      httpPort: daprHttpPort,
      appApiToken: opt(env, 'APP_API_TOKEN'),
      apiToken: opt(env, 'DAPR_API_TOKEN'),
      pubsub: env.DAPR_PUBSUB || 'todo-pubsub',
      stateStore: env.DAPR_STATE_STORE || 'statestore',
      secretStore: env.DAPR_SECRET_STORE || 'local-secrets',
      secretName: env.DAPR_SECRET_NAME || 'db-secrets',
    },
    reminderScanMs: int(env, 'REMINDER_SCAN_MS', 30_000, errors, 100),
    relayPollMs: int(env, 'RELAY_POLL_MS', 200, errors, 10),
    webConcurrency,
    // Workers share one machine's PostgreSQL: 4 each keep its cores busy (a query waits on CPU, not
    // on a connection), and each connection is a backend of 5–13 MB once its caches are warm
    dbPoolSize: int(env, 'DB_POOL_SIZE', webConcurrency > 1 ? 4 : 10, errors, 1, 100),
    dbStatementTimeoutMs: int(env, 'DB_STATEMENT_TIMEOUT_MS', 10_000, errors, 0),
    limits: {
      sseStreamsPerUser: int(env, 'LIMIT_SSE_STREAMS', 5, errors, 1),
      sseBufferBytes: int(env, 'LIMIT_SSE_BUFFER_BYTES', 1024 * 1024, errors, 1024),
      sseSeconds: int(env, 'LIMIT_SSE_SECONDS', 900, errors, 1, 86_400),
      writesPerSecond: int(env, 'LIMIT_WRITES_PER_SECOND', 50, errors, 1),
      writeBurst: int(env, 'LIMIT_WRITE_BURST', 200, errors, 1),
      tasksPerUser: int(env, 'LIMIT_TASKS', 100_000, errors, 1),
      notificationsPerUser: int(env, 'LIMIT_NOTIFICATIONS', 1000, errors, 10),
      webhooksPerUser: int(env, 'LIMIT_WEBHOOKS', 10, errors, 1, 1000),
      tokensPerUser: int(env, 'LIMIT_TOKENS', 50, errors, 1),
      projectsPerUser: int(env, 'LIMIT_PROJECTS', 500, errors, 1),
      tasksPerProject: int(env, 'LIMIT_PROJECT_TASKS', 10_000, errors, 1),
      taskLevels: int(env, 'LIMIT_TASK_LEVELS', 4, errors, 1, 16),
    },
    webhooks: {
      allowPrivate: bool(env, 'WEBHOOK_ALLOW_PRIVATE', false, errors),
      timeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 10_000, errors, 100, 120_000),
      concurrency: int(env, 'WEBHOOK_CONCURRENCY', 8, errors, 1, 256),
      maxAttempts: int(env, 'WEBHOOK_MAX_ATTEMPTS', 10, errors, 1, 100),
      retryBaseMs: int(env, 'WEBHOOK_RETRY_BASE_MS', 30_000, errors, 10),
      retryMaxMs: int(env, 'WEBHOOK_RETRY_MAX_MS', 6 * 3_600_000, errors, 10),
      disableAfter: int(env, 'WEBHOOK_DISABLE_AFTER', 15, errors, 1, 10_000),
      pollMs: int(env, 'WEBHOOK_POLL_MS', 1000, errors, 10),
    },
  };
  if (config.metricsToken !== undefined && config.metricsToken.length < 16) errors.push('METRICS_TOKEN must be at least 16 characters');
  if (config.authSecret !== undefined && config.authSecret.length < 32) errors.push('AUTH_SECRET must be at least 32 characters');
  if (config.eventBus === 'dapr' && config.dapr.httpPort === undefined) errors.push('EVENT_BUS=dapr needs DAPR_HTTP_PORT');
  if (config.eventBus === 'embedded' && config.role !== 'all') errors.push('ROLE other than "all" needs EVENT_BUS=dapr');
  if (errors.length) throw new ConfigError(`invalid configuration:\n  ${errors.join('\n  ')}`);
  return config;
}
