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
 * - pg: no span for BEGIN / COMMIT / ROLLBACK, and no work at all for a query that would not be
 *   recorded (pg.ts);
 * - OpenTelemetry for traces only: this service's metrics are Prometheus' (/metrics) and its logs
 *   pino's, so the SDK's default OTLP metrics and logs exporters (which made every request and
 *   query also record histograms) are off unless OTEL_METRICS_EXPORTER / OTEL_LOGS_EXPORTER ask.
 */
import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { markTracingStarted } from './context.js';
import { pgInstrumentation } from './pg.js';

/** Probes and scrapes: a span each second per process would bury the traces worth reading. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const quiet = (url: string | undefined): boolean => QUIET_PATHS.has((url ?? '').split('?')[0]!);

// the stack names each process by its Dapr app id; OTEL_SERVICE_NAME still wins
process.env.OTEL_SERVICE_NAME ??= process.env.APP_ID ?? 'taskstream';
process.env.OTEL_METRICS_EXPORTER ??= 'none';
process.env.OTEL_LOGS_EXPORTER ??= 'none';

// the sampler is the SDK's, from OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG
const sdk = new NodeSDK({
  instrumentations: [
    new HttpInstrumentation({ disableIncomingRequestInstrumentation: true }),
    new UndiciInstrumentation(),
    // a span for a query only under a recording span (a sampled request or delivery): not for the
    // relay's idle polls, the clock's scans, an unsampled request's queries, nor BEGIN/COMMIT
    pgInstrumentation(process.env),
    new FastifyOtelInstrumentation({
      registerOnInitialization: true,
      instrumentHooks: false,
      instrumentHandler: false,
      ignorePaths: (opts) => quiet(opts.url),
      requestHook: (span, request) =>
        span.isRecording() && span.updateName(`${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`),
    }),
  ],
});
sdk.start();
markTracingStarted(() => sdk.shutdown());
