/**
 * The sampler: the one the standard OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG name, read the
 * way the Node SDK reads them, except that a transaction's control statements (BEGIN, COMMIT,
 * ROLLBACK, SAVEPOINT, RELEASE) get no span. They were 2.5 of the 20 spans of a create and say
 * nothing a trace needs (the statements between them, and their parent, show the transaction), and
 * a span the sampler refuses costs next to nothing: no ids, attributes, timing or export.
 */
import { diag, type Attributes, type Context, type Link, type SpanKind } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace';

/** @opentelemetry/instrumentation-pg names a query's span `pg.query:<COMMAND or statement name> <database>`. */
const PG_PREFIX = 'pg.query:';
const TRANSACTION_CONTROL = new Set(['BEGIN', 'COMMIT', 'ROLLBACK', 'SAVEPOINT', 'RELEASE']);

export function isTransactionControl(spanName: string): boolean {
  if (!spanName.startsWith(PG_PREFIX)) return false;
  const end = spanName.indexOf(' ', PG_PREFIX.length);
  return TRANSACTION_CONTROL.has(spanName.slice(PG_PREFIX.length, end === -1 ? undefined : end));
}

function ratioFromEnv(env: Record<string, string | undefined>): number {
  const raw = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  const ratio = raw ? Number(raw) : NaN;
  if (Number.isFinite(ratio) && ratio >= 0 && ratio <= 1) return ratio;
  diag.error(`OTEL_TRACES_SAMPLER_ARG=${raw ?? ''} is not a ratio in [0, 1]: using 1`);
  return 1;
}

/** The standard samplers by their OTEL_TRACES_SAMPLER names; unset or unknown: parentbased_always_on (the SDK's default). */
export function samplerFromEnv(env: Record<string, string | undefined>): Sampler {
  const name = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase() || 'parentbased_always_on';
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratioFromEnv(env));
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratioFromEnv(env)) });
    default:
      if (name !== 'parentbased_always_on') diag.error(`unknown OTEL_TRACES_SAMPLER "${name}": using parentbased_always_on`);
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

export class QuietSampler implements Sampler {
  constructor(private readonly inner: Sampler) {}

  shouldSample(ctx: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    if (isTransactionControl(name)) return { decision: SamplingDecision.NOT_RECORD };
    return this.inner.shouldSample(ctx, traceId, name, kind, attributes, links);
  }

  toString(): string {
    return `QuietSampler{${this.inner.toString()}}`;
  }
}
