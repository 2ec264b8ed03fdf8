/**
 * Trace context for the asynchronous hops, on the OpenTelemetry API alone (no SDK: without one
 * every call here is a no-op). A write stores its request's W3C `traceparent` with its outbox row
 * (and reminder rows); the relay continues it in a publish span and hands that span's traceparent
 * to the bus; each consumer continues the message's. Everything checks `tracing` first, so with
 * tracing off the hot paths do nothing but read a boolean.
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';

const STARTED = Symbol.for('taskstream.tracing');
type Shutdown = () => Promise<void>;
const registry = globalThis as { [STARTED]?: Shutdown };

/** Set by sdk.ts once the SDK runs; every helper here is a no-op until then. */
export function markTracingStarted(shutdown: Shutdown): void {
  registry[STARTED] = shutdown;
}

export function tracingOn(): boolean {
  return registry[STARTED] !== undefined;
}

/** Exports the spans still buffered (graceful shutdown: process.exit would drop them). */
export async function flushTracing(): Promise<void> {
  await registry[STARTED]?.().catch(() => undefined);
}

export const tracer = () => trace.getTracer('taskstream');

/** The traceparent of the active span, or null (tracing off, or no span). */
export function activeTraceparent(ctx: Context = context.active()): string | null {
  if (!tracingOn() || !trace.getSpan(ctx)) return null;
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent ?? null;
}

/** The context a stored traceparent stands for (ROOT_CONTEXT when there is none). */
export function contextOf(traceparent: string | null | undefined): Context {
  if (!traceparent) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { traceparent });
}

/** A link to the span a stored traceparent names, if it names one. */
export function linkTo(traceparent: string | null | undefined): Link[] {
  const sc = trace.getSpanContext(contextOf(traceparent));
  return sc ? [{ context: sc }] : [];
}

/** Runs fn in a new span (parent: `parent`, else the active context); ends it and records a failure. */
export async function inSpan<T>(
  name: string,
  opts: { kind?: SpanKind; parent?: Context; links?: Link[]; attributes?: Record<string, string | number | boolean> },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const span = tracer().startSpan(
    name,
    { kind: opts.kind, links: opts.links, attributes: opts.attributes },
    opts.parent ?? context.active(),
  );
  try {
    return await context.with(trace.setSpan(opts.parent ?? context.active(), span), () => fn(span));
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
    throw err;
  } finally {
    span.end();
  }
}

/** Binds fn to the context active now (a command run later by group commit keeps its request's trace). */
export function bindActive<F extends (...args: never[]) => unknown>(fn: F): F {
  return tracingOn() ? context.bind(context.active(), fn) : fn;
}

export { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace };
