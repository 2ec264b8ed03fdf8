/**
 * The OpenTelemetry Node SDK with the instrumentations this service needs: incoming and outgoing
 * HTTP (node:http), fetch (undici: the calls to the Dapr sidecar), Fastify (route spans, via
 * @fastify/otel, the instrumentation Fastify maintains) and pg. Exporter, endpoint, sampler and
 * service name come from the standard OTEL_* variables (OTLP by default). Loaded only by
 * register.ts, only when tracing is on.
 */
import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { markTracingStarted } from './context.js';

/** Probes and scrapes: a span each second per process would bury the traces worth reading. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const quiet = (url: string | undefined): boolean => QUIET_PATHS.has((url ?? '').split('?')[0]!);

// the stack names each process by its Dapr app id; OTEL_SERVICE_NAME still wins
process.env.OTEL_SERVICE_NAME ??= process.env.APP_ID ?? 'taskstream';

const sdk = new NodeSDK({
  instrumentations: [
    new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => quiet(req.url) }),
    new UndiciInstrumentation(),
    // no span for a query outside any request or delivery (the relay's idle polls, the clock's scans)
    new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
    // the request and route-handler spans, not one per lifecycle hook (auth, rate limit, …): those
    // doubled the spans of a request and most of tracing's CPU cost (bench/tracing.ts)
    new FastifyOtelInstrumentation({ registerOnInitialization: true, instrumentHooks: false, ignorePaths: (opts) => quiet(opts.url) }),
  ],
});
sdk.start();
markTracingStarted(() => sdk.shutdown());
