/** Prometheus metrics (prom-client), one registry for the process. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

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
    registers: [registry],
  }),
  deliveries: new Counter({
    name: 'event_deliveries_total',
    help: 'Consumer deliveries by outcome',
    labelNames: ['topic', 'consumer', 'outcome'],
    registers: [registry],
  }),
  remindersFired: new Counter({ name: 'reminders_fired_total', help: 'Reminders fired', labelNames: ['late'], registers: [registry] }),
  sseClients: new Gauge({ name: 'sse_clients', help: 'Open live-update streams', registers: [registry] }),
  sseOverflows: new Counter({
    name: 'sse_overflows_total',
    help: 'Live-update streams closed because their client stopped reading (buffer above LIMIT_SSE_BUFFER_BYTES)',
    registers: [registry],
  }),
};
