import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { AlwaysOnSampler, SamplingDecision } from '@opentelemetry/sdk-trace';
import { isTransactionControl, QuietSampler, samplerFromEnv } from './sampler.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

test('transaction control statements are recognised by the pg span name, nothing else is', () => {
  for (const name of ['pg.query:BEGIN taskstream', 'pg.query:COMMIT taskstream', 'pg.query:ROLLBACK', 'pg.query:SAVEPOINT db'])
    assert.equal(isTransactionControl(name), true, name);
  for (const name of [
    'pg.query:SELECT taskstream',
    'pg.query:BEGINNING db',
    'pg.query:',
    'BEGIN',
    'POST /api/:user_id/tasks',
    'task-events publish',
  ])
    assert.equal(isTransactionControl(name), false, name);
});

test('the quiet sampler drops BEGIN/COMMIT spans and asks its inner sampler about the rest', () => {
  const sampler = new QuietSampler(new AlwaysOnSampler());
  const decide = (name: string) => sampler.shouldSample(ROOT_CONTEXT, TRACE_ID, name, SpanKind.CLIENT, {}, []).decision;
  assert.equal(decide('pg.query:BEGIN taskstream'), SamplingDecision.NOT_RECORD);
  assert.equal(decide('pg.query:COMMIT taskstream'), SamplingDecision.NOT_RECORD);
  assert.equal(decide('pg.query:INSERT taskstream'), SamplingDecision.RECORD_AND_SAMPLED);
  assert.equal(decide('POST /api/:user_id/tasks'), SamplingDecision.RECORD_AND_SAMPLED);
});

test('the inner sampler is the one OTEL_TRACES_SAMPLER / _ARG name, parent-based always-on by default', () => {
  assert.match(samplerFromEnv({}).toString(), /^ParentBased\{root=AlwaysOnSampler,/);
  assert.equal(
    samplerFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).toString(),
    'TraceIdRatioBased{0.25}',
  );
  assert.equal(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'always_off' }).toString(), 'AlwaysOffSampler');
  assert.match(
    samplerFromEnv({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }).toString(),
    /^ParentBased\{root=TraceIdRatioBased\{0\.1\},/,
  );
  // out of range → 1, as the SDK does
  assert.match(
    samplerFromEnv({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '7' }).toString(),
    /^ParentBased\{root=TraceIdRatioBased\{1\},/,
  );
});

test('parent-based: a child of an unsampled request is not recorded, one of a sampled request is', () => {
  const sampler = new QuietSampler(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }));
  const parent = (flags: TraceFlags) =>
    trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: 'b7ad6b7169203331', traceFlags: flags, isRemote: false });
  const decide = (flags: TraceFlags) =>
    sampler.shouldSample(parent(flags), TRACE_ID, 'pg.query:SELECT taskstream', SpanKind.CLIENT, {}, []).decision;
  assert.equal(decide(TraceFlags.SAMPLED), SamplingDecision.RECORD_AND_SAMPLED);
  assert.equal(decide(TraceFlags.NONE), SamplingDecision.NOT_RECORD);
});
