/**
 * Delivery of messages to the consumers of their topic — the same code in both modes. The
 * embedded bus calls it from the relay (a batch at a time); the Dapr routes call it for each
 * CloudEvent. The outcome follows Dapr's contract: SUCCESS, RETRY (transient) or DROP (poison →
 * dead letter).
 */
import type { Logger } from '../logger.js';
import { ValidationError } from '../errors.js';
import { PoisonMessageError, type AnySubscription, type DeliveryOutcome } from './bus.js';
import { EventSchemaError, parseEvent, type TopicName } from './schemas.js';
import { metrics } from '../metrics.js';
import {
  context,
  inSpan,
  isSampled,
  ROOT_CONTEXT,
  spanContextOf,
  SpanKind,
  trace,
  tracingOn,
  withoutQuerySpans,
} from '../tracing/context.js';

export interface DeliveryResult {
  outcome: DeliveryOutcome;
  error?: string;
}

const isPoison = (err: unknown): boolean =>
  err instanceof PoisonMessageError || err instanceof EventSchemaError || err instanceof ValidationError;

/** Where a message was on the broker: its W3C traceparent, and (Dapr/Kafka) partition, offset and append time. */
export interface MessageMeta {
  traceparent?: string | null;
  partition?: string;
  offset?: number;
  /** ms since the epoch: Kafka's append time, or the event's own timestamp */
  appendedAt?: number;
}

export async function deliver(
  subs: readonly AnySubscription[],
  topic: TopicName,
  raw: unknown,
  log: Logger,
  meta?: MessageMeta,
): Promise<DeliveryResult> {
  return (await deliverMany(subs, topic, [raw], log, meta && [meta]))[0]!;
}

/** Lag per topic and partition: how old the messages are when they reach their consumers. */
function recordLag(topic: TopicName, metas: readonly (MessageMeta | undefined)[]): void {
  const now = Date.now();
  for (const m of metas) {
    if (m?.appendedAt === undefined) continue;
    const labels = { topic, partition: m.partition ?? 'embedded' };
    metrics.consumerLag.set(labels, Math.max(0, now - m.appendedAt) / 1000);
    if (m.offset !== undefined) metrics.consumerOffset.set(labels, m.offset);
  }
}

/**
 * Runs a consumer on one message in a CONSUMER span that continues the message's trace (the
 * relay's publish span), or on a batch in one span linked to every message's trace (its parent:
 * the first sampled one). A message of a trace that is not sampled gets no span, nothing would
 * record it: the consumer runs in the message's context, so what it writes carries the same decision.
 * A one-statement consumer's span stands for its statement (no query span under it).
 */
function consumed<T>(
  topic: TopicName,
  sub: AnySubscription,
  metas: readonly (MessageMeta | undefined)[],
  fn: () => Promise<T>,
): Promise<T> {
  if (!tracingOn()) return fn();
  const contexts = metas.map((m) => spanContextOf(m?.traceparent));
  const parent = contexts.find(isSampled) ?? contexts.find((sc) => sc !== undefined);
  if (parent && !isSampled(parent)) return context.with(trace.setSpanContext(ROOT_CONTEXT, parent), fn);
  return inSpan(
    `${topic} process ${sub.name}`,
    {
      kind: SpanKind.CONSUMER,
      parent: parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : context.active(),
      links: metas.length > 1 ? contexts.flatMap((sc) => (sc ? [{ context: sc }] : [])) : undefined,
      attributes: {
        'messaging.operation.type': 'process',
        'messaging.destination.name': topic,
        'messaging.consumer.group.name': sub.name,
        'messaging.batch.message_count': metas.length,
      },
    },
    () => (sub.oneStatement ? withoutQuerySpans(fn) : fn()),
  );
}

/**
 * Delivery of several messages of one topic, in order, with one outcome per message. Each
 * subscription gets the valid messages in order (all at once through `handleMany` when it has
 * one). A RETRY stops the delivery of that message and every later one (they are answered RETRY
 * too), so a consumer never sees an event of a task before the earlier ones succeeded.
 */
export async function deliverMany(
  subs: readonly AnySubscription[],
  topic: TopicName,
  raws: readonly unknown[],
  log: Logger,
  metas: readonly (MessageMeta | undefined)[] = [],
): Promise<DeliveryResult[]> {
  recordLag(topic, metas);
  const results: DeliveryResult[] = raws.map(() => ({ outcome: 'SUCCESS' }));
  const payloads = raws.map((raw, i) => {
    try {
      return parseEvent(topic, raw);
    } catch (err) {
      metrics.deliveries.inc({ topic, consumer: 'schema', outcome: 'DROP' });
      metrics.deadLetters.inc({ topic, consumer: 'schema' });
      results[i] = { outcome: 'DROP', error: (err as Error).message };
      return undefined;
    }
  });
  /** index of the first message to retry: nothing at or after it is delivered any further */
  let stop = raws.length;
  for (const sub of subs) {
    const valid = payloads.flatMap((p, i) => (p !== undefined && i < stop ? [i] : []));
    const accepts = sub.accepts as ((p: unknown) => boolean) | undefined;
    const todo = accepts ? valid.filter((i) => accepts(payloads[i])) : valid;
    // an event the consumer does not act on is delivered all the same
    if (todo.length < valid.length) metrics.deliveries.inc({ topic, consumer: sub.name, outcome: 'SUCCESS' }, valid.length - todo.length);
    if (sub.handleMany && todo.length > 1) {
      try {
        await consumed(
          topic,
          sub,
          todo.map((i) => metas[i]),
          () => sub.handleMany!(todo.map((i) => payloads[i]) as never),
        );
        metrics.deliveries.inc({ topic, consumer: sub.name, outcome: 'SUCCESS' }, todo.length);
        continue;
      } catch {
        /* handled again one by one below, which attributes the failure to its message */
      }
    }
    for (const i of todo) {
      if (i >= stop) break;
      try {
        await consumed(topic, sub, [metas[i]], () => sub.handle(payloads[i] as never));
        metrics.deliveries.inc({ topic, consumer: sub.name, outcome: 'SUCCESS' });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (isPoison(err)) {
          metrics.deliveries.inc({ topic, consumer: sub.name, outcome: 'DROP' });
          log.error({ topic, consumer: sub.name, err: message }, 'poison message dropped by consumer');
          if (results[i]!.outcome === 'SUCCESS') {
            results[i] = { outcome: 'DROP', error: `${sub.name}: ${message}` };
            metrics.deadLetters.inc({ topic, consumer: sub.name });
          }
          continue;
        }
        metrics.deliveries.inc({ topic, consumer: sub.name, outcome: 'RETRY' });
        metrics.redeliveries.inc({ topic, consumer: sub.name });
        log.warn({ topic, consumer: sub.name, err: message }, 'consumer failed; will retry');
        results[i] = { outcome: 'RETRY', error: `${sub.name}: ${message}` };
        stop = i;
        break;
      }
    }
  }
  for (let i = stop + 1; i < raws.length; i++) {
    if (results[i]!.outcome === 'DROP') continue;
    results[i] = { outcome: 'RETRY', error: 'not delivered: an earlier message is retried first' };
    metrics.redeliveries.inc({ topic, consumer: 'held-back' });
  }
  return results;
}
