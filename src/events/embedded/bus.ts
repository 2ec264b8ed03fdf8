/**
 * The embedded adapter of the event-bus port: messages the relay emits are dispatched to the
 * in-process consumers. A transient failure rejects `emit`, so the relay keeps the rows and
 * retries; a poison message is recorded in `dead_letters` and skipped.
 */
import type { Db } from '../../db/types.js';
import type { Logger } from '../../logger.js';
import { SubscribedBus, TransientError, type OutgoingMessage } from '../bus.js';
import { deliverMany } from '../dispatch.js';
import { metrics } from '../../metrics.js';

export class EmbeddedBus extends SubscribedBus {
  /** failed attempts of the message at the head of the relay; bounded so one bad consumer cannot stall the outbox forever */
  private attempts = new Map<number, number>();
  static readonly MAX_ATTEMPTS = 10;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
  ) {
    super();
  }

  /** Each run of one topic is delivered as a batch (consumers with `handleMany` write it in one statement). */
  async emit(messages: OutgoingMessage[]): Promise<void> {
    let rest = messages;
    while (rest.length) {
      const topic = rest[0]!.topic;
      const end = rest.findIndex((m) => m.topic !== topic);
      const run = end < 0 ? rest : rest.slice(0, end);
      const results = await deliverMany(
        this.subs.filter((s) => s.topic === topic),
        topic,
        run.map((m) => m.payload),
        this.log,
        run.map((m) => ({ traceparent: m.traceparent, appendedAt: m.createdAt?.getTime() })),
      );
      let delivered = run.length;
      for (let i = 0; i < run.length; i++) {
        const m = run[i]!;
        const result = results[i]!;
        if (result.outcome === 'RETRY') {
          const attempts = (this.attempts.get(m.seq) ?? 0) + 1;
          this.attempts.set(m.seq, attempts);
          if (attempts < EmbeddedBus.MAX_ATTEMPTS) throw new TransientError(result.error ?? 'consumer asked to retry');
          this.log.error({ seq: m.seq, topic: m.topic, attempts }, 'giving up on message after repeated failures; dead-lettered');
          metrics.deadLetters.inc({ topic: m.topic, consumer: 'embedded-given-up' });
        }
        this.attempts.delete(m.seq);
        if (result.outcome !== 'SUCCESS') {
          await this.db
            .insertInto('dead_letters')
            .values({ topic: m.topic, consumer: 'embedded', payload: JSON.stringify(m.payload), error: result.error ?? 'dropped' })
            .execute();
        }
        // the messages after a given-up one were not delivered: go on from the next
        if (result.outcome === 'RETRY') {
          delivered = i + 1;
          break;
        }
      }
      rest = rest.slice(delivered);
    }
  }
}
