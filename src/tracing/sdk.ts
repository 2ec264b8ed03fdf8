/**
 * The OpenTelemetry Node SDK with the instrumentations this service needs: Fastify (the request's
 * SERVER span and its route handler, via @fastify/otel, the instrumentation Fastify maintains),
 * outgoing HTTP (node:http) and fetch (undici: the calls to the Dapr sidecar, webhooks), and pg.
 * Exporter, endpoint, sampler and service name come from the standard OTEL_* variables (OTLP by
 * default). Loaded only by register.ts, only when tracing is on.
 *
 * What a span costs was measured (bench/tracing.ts, docs/observability.md), hence:
 * - no second server span per request: @fastify/otel's request span is the SERVER span (named
 *   `METHOD /route`, it carries the route, method and status), so the HTTP instrumentation only
 *   traces outgoing calls;
 * - no lifecycle-hook spans (auth, rate limit, …): they doubled a request's spans; nor a span for
 *   the route handler: it spans what the request span spans, less the hooks, and held nothing the
 *   request span does not (its queries are the request span's children instead);
 * - no span for BEGIN / COMMIT / ROLLBACK (sampler.ts);
 * - OpenTelemetry for traces only: this service's metrics are Prometheus' (/metrics) and its logs
 *   pino's, so the SDK's default OTLP metrics and logs exporters (which made every request and
 *   query also record histograms) are off unless OTEL_METRICS_EXPORTER / OTEL_LOGS_EXPORTER ask.
 */
import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { markTracingStarted } from './context.js';
import { QuietSampler, samplerFromEnv } from './sampler.js';

/** Probes and scrapes: a span each second per process would bury the traces worth reading. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const quiet = (url: string | undefined): boolean => QUIET_PATHS.has((url ?? '').split('?')[0]!);

// the stack names each process by its Dapr app id; OTEL_SERVICE_NAME still wins
process.env.OTEL_SERVICE_NAME ??= process.env.APP_ID ?? 'taskstream';
process.env.OTEL_METRICS_EXPORTER ??= 'none';
process.env.OTEL_LOGS_EXPORTER ??= 'none';

/**
 * Our statements are prepared under a name (a hash of the text), which the pg instrumentation
 * would make the span's name: name it by its command instead, as for an unnamed query.
 */
const pgSpanName = (text: string, database: string | undefined) => {
  const sql = text.trimStart();
  const end = sql.search(/\s/);
  return `pg.query:${(end === -1 ? sql : sql.slice(0, end)).toUpperCase()}${database ? ` ${database}` : ''}`;
};

const sdk = new NodeSDK({
  sampler: new QuietSampler(samplerFromEnv(process.env)),
  instrumentations: [
    new HttpInstrumentation({ disableIncomingRequestInstrumentation: true }),
    new UndiciInstrumentation(),
    // no span for a query outside any request or delivery (the relay's idle polls, the clock's scans)
    new PgInstrumentation({
      requireParentSpan: true,
      ignoreConnectSpans: true,
      requestHook: (span, { query, connection }) => query.name && span.updateName(pgSpanName(query.text, connection.database)),
    }),
    new FastifyOtelInstrumentation({
      registerOnInitialization: true,
      instrumentHooks: false,
      instrumentHandler: false,
      ignorePaths: (opts) => quiet(opts.url),
      requestHook: (span, request) => span.updateName(`${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`),
    }),
  ],
});
sdk.start();
markTracingStarted(() => sdk.shutdown());
