/**
 * The embedded adapter of the event-bus port: messages the relay emits are dispatched to the
 * in-process consumers. A transient failure rejects `emit`, so the relay keeps the rows and
 * retries; a poison message is recorded in `dead_letters` and skipped.
 */
import type { Db } from '../db/types.js';
import type { Logger } from '../logger.js';
import { TransientError, type EventBus, type OutgoingMessage, type AnySubscription } from './bus.js';
import { deliver } from './dispatch.js';

export class EmbeddedBus implements EventBus {
  private subs: AnySubscription[] = [];
  /** failed attempts of the message at the head of the relay; bounded so one bad consumer cannot stall the outbox forever */
  private attempts = new Map<number, number>();
  static readonly MAX_ATTEMPTS = 10;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
  ) {}

  subscribe(subscription: AnySubscription): void {
    this.subs.push(subscription);
  }

  unsubscribe(name: string): void {
    this.subs = this.subs.filter((s) => s.name !== name);
  }

  async emit(messages: OutgoingMessage[]): Promise<void> {
    for (const m of messages) {
      const result = await deliver(
        this.subs.filter((s) => s.topic === m.topic),
        m.topic,
        m.payload,
        this.log,
      );
      if (result.outcome === 'RETRY') {
        const attempts = (this.attempts.get(m.seq) ?? 0) + 1;
        this.attempts.set(m.seq, attempts);
        if (attempts < EmbeddedBus.MAX_ATTEMPTS) throw new TransientError(result.error ?? 'consumer asked to retry');
        this.log.error({ seq: m.seq, topic: m.topic, attempts }, 'giving up on message after repeated failures; dead-lettered');
      }
      this.attempts.delete(m.seq);
      if (result.outcome !== 'SUCCESS') {
        await this.db
          .insertInto('dead_letters')
          .values({ topic: m.topic, consumer: 'embedded', payload: JSON.stringify(m.payload), error: result.error ?? 'dropped' })
          .execute();
      }
    }
  }

  async close(): Promise<void> {
    this.subs = [];
  }
}
