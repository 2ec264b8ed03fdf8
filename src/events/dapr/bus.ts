/**
 * The distributed adapter of the event-bus port, laid out like `../embedded/bus.ts`:
 * `emit` publishes through the sidecar to Kafka (bulk publish per topic, partition key = task id),
 * and deliveries come back over HTTP (`POST /dapr/<topic>`) into `receive`, which runs the same
 * consumers the embedded bus runs and answers with Dapr's SUCCESS / RETRY / DROP.
 */
import type { Logger } from '../../logger.js';
import { SubscribedBus, type AnySubscription, type OutgoingMessage } from '../bus.js';
import { deliver, deliverMany, type DeliveryResult, type MessageMeta } from '../dispatch.js';
import type { TopicName } from '../schemas.js';
import type { DaprClient } from '../../dapr/client.js';

export class DaprBus extends SubscribedBus {
  constructor(
    private readonly client: DaprClient,
    private readonly pubsub: string,
    private readonly log: Logger,
  ) {
    super();
  }

  /** Consecutive runs of one topic go out as one bulk request, so the outbox order holds. */
  async emit(messages: OutgoingMessage[]): Promise<void> {
    for (const run of runsByTopic(messages)) {
      await this.client.publishBulk(
        this.pubsub,
        run[0]!.topic,
        run.map((m) => ({
          entryId: String(m.seq),
          event: m.payload,
          contentType: 'application/json',
          // daprd 1.16 builds the CloudEvent and takes its traceparent from this override (else from
          // its own span of this whole bulk request): each event carries its own trace to its consumers
          metadata: m.traceparent
            ? ({ partitionKey: m.key, 'cloudevent.traceparent': m.traceparent } as Record<string, string>)
            : { partitionKey: m.key },
        })),
      );
    }
  }

  /** The (topic, delivery group) pairs this process consumes: one subscription route each. */
  routes(): { topic: TopicName; group: string | undefined }[] {
    const seen = new Map<string, { topic: TopicName; group: string | undefined }>();
    for (const s of this.subs) seen.set(`${s.group ?? ''}/${s.topic}`, { topic: s.topic, group: s.group });
    return [...seen.values()];
  }

  /** A bulk delivery: the consumers get the batch in order (one statement where they can); one outcome per message. */
  async receiveMany(topic: TopicName, payloads: unknown[], group?: string, metas?: MessageMeta[]): Promise<DeliveryResult[]> {
    return (await deliverMany(this.consumers(topic, group), topic, payloads, this.log, metas)).map((r) =>
      this.acknowledgePoison(r, topic, group),
    );
  }

  async receive(topic: TopicName, payload: unknown, group?: string, meta?: MessageMeta): Promise<DeliveryResult> {
    return this.acknowledgePoison(await deliver(this.consumers(topic, group), topic, payload, this.log, meta), topic, group);
  }

  /**
   * A delivery group of its own (the webhooks) reads a topic that its main subscription already
   * reads and dead-letters: a poison message is logged there and acknowledged, not DROPped again.
   * A second dead-letter copy would add nothing, and DROP is the answer that crashes daprd 1.16.5
   * when the same bulk also held a record it could not decode (DeliverBulk then indexes the batch
   * without that record: index out of range) — as a group catching up on a backlog meets them.
   */
  private acknowledgePoison(r: DeliveryResult, topic: TopicName, group: string | undefined): DeliveryResult {
    if (group === undefined || r.outcome !== 'DROP') return r;
    this.log.warn({ topic, group, err: r.error }, "poison message acknowledged (dead-lettered by the topic's main subscription)");
    return { outcome: 'SUCCESS' };
  }

  private consumers(topic: TopicName, group: string | undefined): AnySubscription[] {
    return this.subs.filter((s) => s.topic === topic && s.group === group);
  }
}

function runsByTopic(messages: OutgoingMessage[]): OutgoingMessage[][] {
  const runs: OutgoingMessage[][] = [];
  for (const m of messages) {
    const last = runs[runs.length - 1];
    if (last && last[0]!.topic === m.topic) last.push(m);
    else runs.push([m]);
  }
  return runs;
}
