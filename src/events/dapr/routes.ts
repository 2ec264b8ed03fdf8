/**
 * The Dapr adapter's inbound side: the routes daprd delivers pub/sub messages to (CloudEvents,
 * single or bulk), into `DaprBus.receive`/`receiveMany`. Each requires the sidecar's APP_API_TOKEN.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../app.js';
import type { TopicName } from '../schemas.js';
import type { MessageMeta } from '../dispatch.js';
import { requireSidecar } from '../../http/auth.js';

/** The CloudEvent's `data` (JSON object, JSON string or base64), or the body itself if it is not a CloudEvent. */
export function eventData(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || !('specversion' in body)) return body;
  const ce = body as { data?: unknown; data_base64?: string };
  if (ce.data_base64 !== undefined) return tryJson(Buffer.from(ce.data_base64, 'base64').toString('utf8'));
  return typeof ce.data === 'string' ? tryJson(ce.data) : ce.data;
}

const tryJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/** A bulk delivery (subscription `bulkSubscribe`): up to maxMessagesCount events of up to ~10 kB each. */
const BULK_BODY_LIMIT = 8 * 1024 * 1024;

interface BulkDeliveryEntry {
  entryId: string;
  event: unknown;
  /** the Kafka component's: __partition, __offset, __timestamp (ms), __key, and the message headers */
  metadata?: Record<string, string>;
}

/** The CloudEvent's traceparent and the Kafka position daprd reports (bulk entries carry it as metadata). */
export function messageMeta(event: unknown, metadata?: Record<string, string>): MessageMeta {
  const traceparent = typeof event === 'object' && event !== null ? (event as { traceparent?: unknown }).traceparent : undefined;
  const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
  return {
    traceparent: typeof traceparent === 'string' ? traceparent : undefined,
    partition: metadata?.__partition,
    offset: num(metadata?.__offset),
    appendedAt: num(metadata?.__timestamp),
  };
}

/** The entries of a bulk-subscribe envelope (`{id, type, topic, pubsubname, entries: [{entryId, event, ...}]}`), else undefined. */
export function bulkEntries(body: unknown): BulkDeliveryEntry[] | undefined {
  if (typeof body !== 'object' || body === null || 'specversion' in body) return undefined;
  const entries = (body as { entries?: unknown }).entries;
  if (!Array.isArray(entries)) return undefined;
  return entries.filter(
    (e): e is BulkDeliveryEntry => typeof e === 'object' && e !== null && typeof (e as BulkDeliveryEntry).entryId === 'string',
  );
}

export async function daprRoutes(app: FastifyInstance, s: Services): Promise<void> {
  const sidecarOnly = requireSidecar(s.config.dapr.appApiToken);
  app.addContentTypeParser(
    ['application/cloudevents+json', 'application/cloudevents-batch+json'],
    { parseAs: 'string' },
    (_req, body, done) => {
      try {
        done(null, JSON.parse(String(body)));
      } catch {
        done(null, { malformed: String(body).slice(0, 1000) });
      }
    },
  );

  const bus = s.daprBus;
  if (!bus) return;
  const consume = (topic: TopicName, group: string | undefined) => async (req: FastifyRequest, reply: FastifyReply) => {
    const entries = bulkEntries(req.body);
    if (entries) {
      // bulk subscribe: one request per batch of a partition, one status per entry (daprd redelivers
      // the RETRY ones, in order, and dead-letters the DROP ones)
      const results = await bus.receiveMany(
        topic,
        entries.map((e) => eventData(e.event)),
        group,
        entries.map((e) => messageMeta(e.event, e.metadata)),
      );
      const statuses = entries.map((e, i) => ({ entryId: e.entryId, status: results[i]!.outcome }));
      const failed = results.flatMap((r, i) => (r.outcome === 'SUCCESS' ? [] : [{ entryId: entries[i]!.entryId, ...r }]));
      if (failed.length)
        req.log.warn({ topic, entries: entries.length, failed: failed.slice(0, 10) }, 'bulk delivery: entries not processed');
      return reply.code(200).send({ statuses });
    }
    const result = await bus.receive(topic, eventData(req.body), group, messageMeta(req.body));
    if (result.outcome !== 'SUCCESS')
      req.log.warn(
        { topic, outcome: result.outcome, err: result.error, cloudevent_id: (req.body as { id?: string })?.id },
        'delivery not processed',
      );
    return reply.code(200).send({ status: result.outcome });
  };

  // only the topics this process consumes: a misrouted delivery gets 404 instead of a silent SUCCESS;
  // a consumer with a delivery group of its own has its own subscription and route
  for (const { topic, group } of bus.routes()) {
    const url = group ? `/dapr/${group}/${topic}` : `/dapr/${topic}`;
    app.post(url, { preHandler: sidecarOnly, bodyLimit: BULK_BODY_LIMIT, schema: { hide: true } }, consume(topic, group));
  }
}
