/**
 * The event-bus port. Domain code records events in the outbox; the relay hands them to
 * `emit`, and consumers register with `subscribe`. Two adapters implement it the same way:
 * `embedded/bus.ts` (in-process dispatch) and `dapr/bus.ts` (Dapr pub/sub → Kafka,
 * with deliveries arriving over HTTP at `POST /dapr/<topic>`).
 */
import type { TopicName, TopicPayload } from './schemas.js';

/** One event on its way to the broker: what the outbox stores and the relay emits. */
export interface OutgoingMessage<T extends TopicName = TopicName> {
  /** outbox row id: strictly increasing, so the relay keeps commit order */
  seq: number;
  topic: T;
  /** partition key: the task id, so events of one task stay in order */
  key: string;
  payload: TopicPayload[T];
  /** W3C traceparent the consumers continue (the relay's publish span), when tracing is on */
  traceparent?: string | null;
  /** when the outbox row was written (the embedded consumers' lag) */
  createdAt?: Date;
}

/** What a consumer reports about one delivery (mirrors Dapr's SUCCESS / RETRY / DROP). */
export type DeliveryOutcome = 'SUCCESS' | 'RETRY' | 'DROP';

export type EventHandler<T extends TopicName = TopicName> = (payload: TopicPayload[T]) => Promise<void>;

export interface Subscription<T extends TopicName = TopicName> {
  /** stable name, used in logs and metrics (e.g. "recurring-task") */
  name: string;
  topic: T;
  /**
   * Optional: a delivery group of its own. Under Dapr such a consumer has its own subscription
   * (own Kafka consumer group, own route `/dapr/<group>/<topic>`), so it reads the whole topic
   * whichever app-id runs it, and its retries never hold up the topic's other consumers.
   * The embedded bus ignores it.
   */
  group?: string;
  handle: EventHandler<T>;
  /**
   * Optional: the effect of `handle` on each payload, in order, for many at once (one round trip
   * instead of one per event). Must be idempotent like `handle`; when it throws, the batch is
   * handled again one event at a time so that the failing event is the one retried or dropped.
   */
  handleMany?: (payloads: TopicPayload[T][]) => Promise<void>;
  /**
   * Optional: its effect is one statement. A traced delivery's span then times that statement, and
   * the statement gets no span of its own: it would say nothing more, and every span costs CPU.
   */
  oneStatement?: true;
  /**
   * Optional: the payloads it acts on. Any other is delivered (and counted) without a call, so a
   * traced delivery of an event the consumer ignores records no span (spans cost CPU, bench:tracing).
   */
  accepts?: (payload: TopicPayload[T]) => boolean;
}

/** A subscription to whichever topic: the handler's payload type follows its topic. */
export type AnySubscription = { [T in TopicName]: Subscription<T> }[TopicName];

export interface EventBus {
  /** Hand a batch (in order) to the transport; resolves only once every message was accepted. */
  emit(messages: OutgoingMessage[]): Promise<void>;
  subscribe(subscription: AnySubscription): void;
  unsubscribe(name: string): void;
  close(): Promise<void>;
}

/** What both adapters keep alike: the subscriptions of this process. */
export abstract class SubscribedBus implements EventBus {
  protected subs: AnySubscription[] = [];

  abstract emit(messages: OutgoingMessage[]): Promise<void>;

  subscribe(subscription: AnySubscription): void {
    this.subs.push(subscription);
  }

  unsubscribe(name: string): void {
    this.subs = this.subs.filter((s) => s.name !== name);
  }

  async close(): Promise<void> {
    this.subs = [];
  }
}

/**
 * A consumer whose effect on a batch is one idempotent statement: `handle` is that effect on a
 * batch of one, so a single delivery and a bulk one run the same code.
 */
export function batchConsumer<T extends TopicName>(
  name: string,
  topic: T,
  write: (payloads: TopicPayload[T][]) => Promise<void>,
): Subscription<T> {
  return { name, topic, handle: (payload) => write([payload]), handleMany: write, oneStatement: true };
}

/** A failure worth retrying later (database busy, sidecar down): the relay/broker redelivers. */
export class TransientError extends Error {
  override name = 'TransientError';
}

/** A message that can never succeed (malformed, fails its schema): dead-lettered, never retried. */
export class PoisonMessageError extends Error {
  override name = 'PoisonMessageError';
}
