/**
 * Delivery of one message to the consumers of its topic — the same code in both modes. The
 * embedded bus calls it from the relay; the Dapr routes call it for each CloudEvent. The
 * outcome follows Dapr's contract: SUCCESS, RETRY (transient) or DROP (poison → dead letter).
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
  let payload;
  try {
    payload = parseEvent(topic, raw);
  } catch (err) {
    metrics.deliveries.inc({ topic, consumer: 'schema', outcome: 'DROP' });
    return { outcome: 'DROP', error: (err as Error).message };
  }
  let dropped: string | undefined;
  for (const sub of subs) {
    try {
      await sub.handle(payload as never);
      metrics.deliveries.inc({ topic, consumer: sub.name, outcome: 'SUCCESS' });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (isPoison(err)) {
        metrics.deliveries.inc({ topic, consumer: sub.name, outcome: 'DROP' });
        log.error({ topic, consumer: sub.name, err: message }, 'poison message dropped by consumer');
        dropped ??= `${sub.name}: ${message}`;
        continue;
      }
      metrics.deliveries.inc({ topic, consumer: sub.name, outcome: 'RETRY' });
      log.warn({ topic, consumer: sub.name, err: message }, 'consumer failed; will retry');
      return { outcome: 'RETRY', error: `${sub.name}: ${message}` };
    }
  }
  return dropped ? { outcome: 'DROP', error: dropped } : { outcome: 'SUCCESS' };
}
