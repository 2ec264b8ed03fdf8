/**
 * Trace context for the asynchronous hops, on the OpenTelemetry API alone (no SDK: without one
 * every call here is a no-op). A write stores its request's W3C `traceparent` with its outbox row
 * (and reminder rows); the relay continues it in a publish span and hands that span's traceparent
 * to the bus; each consumer continues the message's. Everything checks `tracing` first, so with
 * tracing off the hot paths do nothing but read a boolean.
 */
import {
  context,
  createContextKey,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type Tracer,
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

let ours: Tracer | undefined;
/** This service's tracer (asked once: the provider would look it up by name on every call). */
export const tracer = (): Tracer => (ours ??= trace.getTracer('taskstream'));

/** `00-<trace id>-<span id>-<flags>`, as the W3C propagator writes it (without its detour through a carrier). */
const traceparentOf = (sc: SpanContext): string => `00-${sc.traceId}-${sc.spanId}-${sc.traceFlags & TraceFlags.SAMPLED ? '01' : '00'}`;

/** The traceparent of the active span, or null (tracing off, or no span). */
export function activeTraceparent(ctx: Context = context.active()): string | null {
  if (!tracingOn()) return null;
  const sc = trace.getSpanContext(ctx);
  return sc && isSpanContextValid(sc) ? traceparentOf(sc) : null;
}

/** Version 00, the only one this service and daprd write; another goes through the propagator. */
const TRACEPARENT_00 = /^00-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/;

/** The span a stored traceparent names (remote), if it names one. */
export function spanContextOf(traceparent: string | null | undefined): SpanContext | undefined {
  if (!traceparent) return undefined;
  const m = TRACEPARENT_00.exec(traceparent);
  if (!m) return trace.getSpanContext(propagation.extract(ROOT_CONTEXT, { traceparent }));
  const sc = { traceId: m[1]!, spanId: m[2]!, traceFlags: parseInt(m[3]!, 16), isRemote: true };
  return isSpanContextValid(sc) ? sc : undefined;
}

/** Whether the trace a stored traceparent names is sampled (recorded); false when it names none. */
export const isSampled = (sc: SpanContext | undefined): boolean => sc !== undefined && (sc.traceFlags & TraceFlags.SAMPLED) !== 0;

/** The context a stored traceparent stands for (ROOT_CONTEXT when there is none). */
export function contextOf(traceparent: string | null | undefined): Context {
  const sc = spanContextOf(traceparent);
  return sc ? trace.setSpanContext(ROOT_CONTEXT, sc) : ROOT_CONTEXT;
}

/** A link to the span a stored traceparent names, if it names one. */
export function linkTo(traceparent: string | null | undefined): Link[] {
  const sc = spanContextOf(traceparent);
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

const QUIET_QUERIES = createContextKey('taskstream.quiet-queries');

/** Whether a query run now gets a span: the active span records, and no batch span stands for it (inBatchSpan). */
export function querySpanWanted(): boolean {
  const ctx = context.active();
  return trace.getSpan(ctx)?.isRecording() === true && ctx.getValue(QUIET_QUERIES) === undefined;
}

/**
 * Runs a group-commit batch — one transaction for the items of several requests — in one span:
 * child of the first sampled item's trace, linked to every item's (`traceparents`, in the batch's
 * order). Its statements get no spans of their own: each writes every item's rows at once, so under
 * one request's span it would misattribute the others' work, and the batch's span times the
 * transaction. No span when no item's trace is sampled.
 */
export function inBatchSpan<T>(name: string, traceparents: readonly (string | null)[], fn: () => Promise<T>): Promise<T> {
  const items = traceparents.map(spanContextOf);
  const parent = items.find(isSampled);
  if (!parent) return fn();
  return inSpan(
    name,
    {
      parent: trace.setSpanContext(ROOT_CONTEXT, parent),
      links: items.length > 1 ? items.flatMap((sc) => (sc ? [{ context: sc }] : [])) : undefined,
      attributes: { 'taskstream.batch.size': items.length },
    },
    () => withoutQuerySpans(fn),
  );
}

/** Runs fn with no query spans: the active span stands for its statements (a batch, a one-statement consumer). */
export function withoutQuerySpans<T>(fn: () => Promise<T>): Promise<T> {
  return context.with(context.active().setValue(QUIET_QUERIES, true), fn);
}

/** Binds fn to the context active now (a command run later by group commit keeps its request's trace). */
export function bindActive<F extends (...args: never[]) => unknown>(fn: F): F {
  return tracingOn() ? context.bind(context.active(), fn) : fn;
}

export { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace, type Span };
