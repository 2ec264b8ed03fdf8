/**
 * Prometheus metrics (prom-client), one registry for the process. Under node:cluster each worker
 * keeps its own; /metrics, whichever worker serves it, answers for all of them: the worker asks the
 * primary, which gathers every worker's registry (prom-client's AggregatorRegistry) and sums them.
 */
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });
if (cluster.isWorker) {
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry(); // installs the worker's answer to the primary's requests
}

const ASK = 'taskstream:metrics';
const ANSWER = 'taskstream:metrics:answer';
const ASK_TIMEOUT_MS = 5_000;

/** The exposition text: this process's registry, or in a cluster worker every worker's, summed. */
export async function metricsText(): Promise<string> {
  if (!cluster.isWorker) return registry.metrics();
  const id = randomUUID();
  return new Promise<string>((resolve, reject) => {
    const onMessage = (msg: { type?: string; id?: string; text?: string; error?: string }) => {
      if (msg?.type !== ANSWER || msg.id !== id) return;
      done();
      if (msg.error !== undefined) reject(new Error(msg.error));
      else resolve(msg.text ?? '');
    };
    const timer = setTimeout(() => (done(), reject(new Error('the cluster primary did not answer for the metrics'))), ASK_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      process.off('message', onMessage);
    };
    process.on('message', onMessage);
    process.send?.({ type: ASK, id });
  });
}

/** In the cluster primary: answer the workers' ASKs with every worker's metrics, aggregated. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, msg: { type?: string; id?: string }) => {
    if (msg?.type !== ASK) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: ANSWER, id: msg.id, text }),
      (err: Error) => worker.send({ type: ANSWER, id: msg.id, error: err.message }),
    );
  });
}

export const metrics = {
  httpDuration: new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  }),
  published: new Counter({
    name: 'outbox_published_total',
    help: 'Outbox events handed to the bus',
    labelNames: ['topic'],
    registers: [registry],
  }),
  relayErrors: new Counter({ name: 'outbox_relay_errors_total', help: 'Failed relay attempts (retried)', registers: [registry] }),
  outboxLag: new Gauge({
    name: 'outbox_lag_seconds',
    help: 'Age of the oldest unpublished outbox row at the last relay pass',
    // across cluster workers: the worst, not the sum
    aggregator: 'max',
    registers: [registry],
  }),
  deliveries: new Counter({
    name: 'event_deliveries_total',
    help: 'Consumer deliveries by outcome',
    labelNames: ['topic', 'consumer', 'outcome'],
    registers: [registry],
  }),
  remindersFired: new Counter({ name: 'reminders_fired_total', help: 'Reminders fired', labelNames: ['late'], registers: [registry] }),
  reminderLateness: new Histogram({
    name: 'reminder_lateness_seconds',
    help: 'How long after its time a reminder fired (the clock tick, a busy or stopped service)',
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
    registers: [registry],
  }),
  relayBatchSize: new Histogram({
    name: 'outbox_relay_batch_size',
    help: 'Outbox rows handed to the bus in one relay batch',
    buckets: [1, 2, 5, 10, 25, 50, 100, 200, 500],
    registers: [registry],
  }),
  redeliveries: new Counter({
    name: 'event_redeliveries_total',
    help: 'Messages a consumer answered RETRY: each is delivered again (by daprd, or by the embedded relay)',
    labelNames: ['topic', 'consumer'],
    registers: [registry],
  }),
  deadLetters: new Counter({
    name: 'event_dead_letters_total',
    help: 'Messages sent to the dead letters (DROP: poison, or given up): <topic>-dlq under Dapr, the dead_letters table embedded',
    labelNames: ['topic', 'consumer'],
    registers: [registry],
  }),
  consumerLag: new Gauge({
    name: 'event_consumer_lag_seconds',
    help: 'Age of the last message delivered, per topic and partition: now minus its Kafka append time (embedded: its outbox write)',
    labelNames: ['topic', 'partition'],
    aggregator: 'max',
    registers: [registry],
  }),
  consumerOffset: new Gauge({
    name: 'event_consumer_offset',
    help: 'Kafka offset of the last message delivered, per topic and partition (Dapr mode)',
    labelNames: ['topic', 'partition'],
    aggregator: 'max',
    registers: [registry],
  }),
  sseClients: new Gauge({ name: 'sse_clients', help: 'Open live-update streams', registers: [registry] }),
  webhookAttempts: new Counter({
    name: 'webhook_attempts_total',
    help: 'Webhook delivery attempts by outcome (succeeded, retry, failed: given up, refused: SSRF check)',
    labelNames: ['outcome'],
    registers: [registry],
  }),
  webhookDuration: new Histogram({
    name: 'webhook_attempt_duration_seconds',
    help: 'Webhook delivery attempts, from connect to the last byte of the answer (or the timeout)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  }),
  webhooksDisabled: new Counter({
    name: 'webhooks_disabled_total',
    help: 'Webhooks disabled after WEBHOOK_DISABLE_AFTER failed attempts in a row',
    registers: [registry],
  }),
  sseOverflows: new Counter({
    name: 'sse_overflows_total',
    help: 'Live-update streams closed because their client stopped reading (buffer above LIMIT_SSE_BUFFER_BYTES)',
    registers: [registry],
  }),
};
