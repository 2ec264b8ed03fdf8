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

export interface DeliveryResult {
  outcome: DeliveryOutcome;
  error?: string;
}

const isPoison = (err: unknown): boolean =>
  err instanceof PoisonMessageError || err instanceof EventSchemaError || err instanceof ValidationError;

export async function deliver(subs: readonly AnySubscription[], topic: TopicName, raw: unknown, log: Logger): Promise<DeliveryResult> {
  return (await deliverMany(subs, topic, [raw], log))[0]!;
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
): Promise<DeliveryResult[]> {
  const results: DeliveryResult[] = raws.map(() => ({ outcome: 'SUCCESS' }));
  const payloads = raws.map((raw, i) => {
    try {
      return parseEvent(topic, raw);
    } catch (err) {
      metrics.deliveries.inc({ topic, consumer: 'schema', outcome: 'DROP' });
      results[i] = { outcome: 'DROP', error: (err as Error).message };
      return undefined;
    }
  });
  /** index of the first message to retry: nothing at or after it is delivered any further */
  let stop = raws.length;
  for (const sub of subs) {
    const todo = payloads.flatMap((p, i) => (p !== undefined && i < stop ? [i] : []));
    if (sub.handleMany && todo.length > 1) {
      try {
        await sub.handleMany(todo.map((i) => payloads[i]) as never);
        metrics.deliveries.inc({ topic, consumer: sub.name, outcome: 'SUCCESS' }, todo.length);
        continue;
      } catch {
        /* handled again one by one below, which attributes the failure to its message */
      }
    }
    for (const i of todo) {
      if (i >= stop) break;
      try {
        await sub.handle(payloads[i] as never);
        metrics.deliveries.inc({ topic, consumer: sub.name, outcome: 'SUCCESS' });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (isPoison(err)) {
          metrics.deliveries.inc({ topic, consumer: sub.name, outcome: 'DROP' });
          log.error({ topic, consumer: sub.name, err: message }, 'poison message dropped by consumer');
          if (results[i]!.outcome === 'SUCCESS') results[i] = { outcome: 'DROP', error: `${sub.name}: ${message}` };
          continue;
        }
        metrics.deliveries.inc({ topic, consumer: sub.name, outcome: 'RETRY' });
        log.warn({ topic, consumer: sub.name, err: message }, 'consumer failed; will retry');
        results[i] = { outcome: 'RETRY', error: `${sub.name}: ${message}` };
        stop = i;
        break;
      }
    }
  }
  for (let i = stop + 1; i < raws.length; i++) {
    if (results[i]!.outcome !== 'DROP') results[i] = { outcome: 'RETRY', error: 'not delivered: an earlier message is retried first' };
  }
  return results;
}
