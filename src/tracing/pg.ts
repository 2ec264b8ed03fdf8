/**
 * @opentelemetry/instrumentation-pg, configured for this service and made to do nothing on the
 * queries it would not record. Its query wrapper does its whole work for every query under any
 * span — a span of its own (ids, attributes, a sampling decision), the callback and promise
 * wrappers, its duration metric — even when the parent is not sampled and nothing is kept, and it
 * updates its connection-pool metrics on every acquire and release. Measured (bench/tracing-profile.ts,
 * 5 Dec) that was a third of what tracing cost a create with nothing sampled. So:
 * - a query runs the instrumentation only under a recording span (a sampled request or delivery)
 *   and outside a group-commit batch's span (context.ts, inBatchSpan), and never for a
 *   transaction's control statements (BEGIN, COMMIT, SAVEPOINT, …: they say nothing the
 *   statements between them and their parent do not);
 * - the OpenTelemetry metrics it records (query duration, pool connections) only when OpenTelemetry
 *   metrics are on (OTEL_METRICS_EXPORTER): this service's metrics are Prometheus'.
 * Its span names a prepared statement by its command, not by the statement's name (a hash).
 */
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { querySpanWanted } from './context.js';

type Query = (this: unknown, ...args: unknown[]) => unknown;

/** What the instrumentation's methods overridden here look like (they are not in its typings). */
interface PgInstrumentationInternals {
  _getClientQueryPatch(): (original: Query) => Query;
  _getPoolConnectPatch(): (original: Query) => Query;
  recordOperationDuration(attributes: unknown, startTime: unknown): void;
}

export const OVERRIDDEN: readonly (keyof PgInstrumentationInternals)[] = [
  '_getClientQueryPatch',
  '_getPoolConnectPatch',
  'recordOperationDuration',
];

const TRANSACTION_CONTROL = new Set(['BEGIN', 'START', 'COMMIT', 'END', 'ROLLBACK', 'SAVEPOINT', 'RELEASE']);

/** The command a statement starts with, upper case ('' if none). */
export function commandOf(sql: string): string {
  const m = /^\s*([A-Za-z]+)/.exec(sql);
  return m ? m[1]!.toUpperCase() : '';
}

export function isTransactionControl(sql: string): boolean {
  return TRANSACTION_CONTROL.has(commandOf(sql));
}

/** The statement's text, whichever way pg's client.query was called (text, or a config object). */
function textOf(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  const text = (arg as { text?: unknown } | null)?.text;
  return typeof text === 'string' ? text : '';
}

export function pgInstrumentation(env: Record<string, string | undefined>): PgInstrumentation {
  const instrumentation = new PgInstrumentation({
    requireParentSpan: true,
    ignoreConnectSpans: true,
    requestHook: (span, { query, connection }) =>
      query.name && span.updateName(`pg.query:${commandOf(query.text)}${connection.database ? ` ${connection.database}` : ''}`),
  });
  const internals = instrumentation as unknown as PgInstrumentationInternals;
  const tracedQuery = internals._getClientQueryPatch.bind(instrumentation);
  internals._getClientQueryPatch = () => (original) => {
    const traced = tracedQuery()(original);
    return function query(this: unknown, ...args: unknown[]) {
      return querySpanWanted() && !isTransactionControl(textOf(args[0])) ? traced.apply(this, args) : original.apply(this, args);
    };
  };
  const metricsOn = (env.OTEL_METRICS_EXPORTER ?? 'none').split(',').some((e) => e.trim() && e.trim() !== 'none');
  if (!metricsOn) {
    // with ignoreConnectSpans, what its pool.connect wrapper does is register the pool metrics' listeners
    internals._getPoolConnectPatch = () => (original) =>
      function connect(this: unknown, ...args: unknown[]) {
        return original.apply(this, args);
      };
    internals.recordOperationDuration = () => undefined;
  }
  return instrumentation;
}
