/**
 * The outbox relay: publishes unpublished outbox rows in commit order and marks them published
 * only after the bus accepted them. A bus failure (sidecar or broker down) leaves the rows in
 * place and retries with backoff: events are delayed, never lost.
 *
 * Several replicas may run a relay; a lease row elects one at a time so the per-task order
 * of the outbox is the order on the broker.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/types.js';
import type { Logger } from '../logger.js';
import { metrics } from '../metrics.js';
import type { EventBus, OutgoingMessage } from './bus.js';
import type { TopicName } from './schemas.js';
import {
  activeTraceparent,
  contextOf,
  context,
  isSampled,
  ROOT_CONTEXT,
  spanContextOf,
  SpanKind,
  SpanStatusCode,
  trace,
  tracer,
  tracingOn,
  type Span,
} from '../tracing/context.js';

export interface RelayOptions {
  pollMs: number;
  batchSize?: number;
  leaseMs?: number;
}

const LEASE = 'outbox-relay';
/** Published rows are kept a while for inspection, then pruned so the table stays small. */
const KEEP_PUBLISHED_MS = 60 * 60_000;
const PRUNE_EVERY_MS = 60_000;

export class OutboxRelay {
  private readonly holder = randomUUID();
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private failures = 0;
  private lastPrune = 0;
  /** when our lease expires (ms since the epoch); 0 when another relay holds it */
  private leaseUntil = 0;

  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly log: Logger,
    private readonly opts: RelayOptions,
  ) {
    this.batchSize = opts.batchSize ?? 200;
    this.leaseMs = opts.leaseMs ?? 10_000;
  }

  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** New rows were committed: publish soon (coalesces bursts into one pass). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    // a pass is nobody's request: woken by a commit, it must not run (and trace its queries) in that request's context
    const pass = tracingOn() ? context.with(ROOT_CONTEXT, () => this.pass()) : this.pass();
    this.running = pass.finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      const delay = this.again ? 0 : this.failures ? Math.min(5_000, 100 * 2 ** this.failures) : this.opts.pollMs;
      this.again = false;
      this.timer = setTimeout(() => this.kick(), delay);
    });
  }

  /** Publish everything pending now (used at shutdown and by tests); resolves when the outbox is empty or the bus fails. */
  async flush(): Promise<void> {
    await this.running;
    while ((await this.publishBatch()) === this.batchSize);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /**
   * Gives the lease up (graceful shutdown, after the last flush), so that a successor — the
   * restarted process or another replica — publishes at once instead of waiting out the lease.
   */
  async release(): Promise<void> {
    this.leaseUntil = 0;
    await this.db.deleteFrom('leases').where('name', '=', LEASE).where('holder', '=', this.holder).execute();
  }

  /** Whether this relay holds the lease (as of its last renewal): the one that publishes. */
  holdsLease(): boolean {
    return this.leaseUntil > Date.now();
  }

  private async pass(): Promise<void> {
    try {
      // the lease is checked before every batch, so a long drain stops as soon as it would outlive it
      let held = false;
      while (!this.stopped && (await this.holdLease())) {
        held = true;
        if ((await this.publishBatch()) < this.batchSize) break;
      }
      if (!held) return;
      this.failures = 0;
      await this.prune();
    } catch (err) {
      this.failures++;
      metrics.relayErrors.inc();
      this.log.warn({ err: (err as Error).message, failures: this.failures }, 'outbox relay pass failed; retrying');
    }
  }

  /**
   * Takes or renews the lease. Renewal is a write, so it happens only once a third of the lease
   * is used up (not on every pass and batch); no other relay can take it before it expires.
   */
  private async holdLease(): Promise<boolean> {
    if (this.leaseUntil - Date.now() > (this.leaseMs * 2) / 3) return true;
    const expires = new Date(Date.now() + this.leaseMs);
    const row = await sql<{ holder: string }>`
      INSERT INTO leases (name, holder, expires_at) VALUES (${LEASE}, ${this.holder}, ${expires})
      ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
      WHERE leases.holder = excluded.holder OR leases.expires_at < now()
      RETURNING holder`.execute(this.db);
    const held = row.rows.length > 0;
    this.leaseUntil = held ? expires.getTime() : 0;
    return held;
  }

  private async prune(): Promise<void> {
    if (Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    await this.db
      .deleteFrom('outbox')
      .where('published_at', '<', new Date(Date.now() - KEEP_PUBLISHED_MS))
      .execute();
  }

  /**
   * With tracing on: one PRODUCER span per message, child of the trace that wrote its row; the bus
   * hands that span's traceparent on (the CloudEvent's), so each consumer continues its own row's
   * trace. A row written in a trace that is not sampled gets no span (nothing would record it):
   * its stored traceparent goes on as it is, and the consumers see the same decision. The call to
   * the transport runs under the first recorded span (daprd's own publish spans join that trace; a
   * batch spans several traces only under load), else under the first row's context.
   */
  private async emitTraced(messages: OutgoingMessage[], rows: { traceparent: string | null }[]): Promise<void> {
    const spans: Span[] = [];
    messages.forEach((m, i) => {
      const stored = spanContextOf(rows[i]!.traceparent);
      if (stored && !isSampled(stored)) {
        m.traceparent = rows[i]!.traceparent;
        return;
      }
      const span = tracer().startSpan(
        `${m.topic} publish`,
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            'messaging.operation.type': 'send',
            'messaging.destination.name': m.topic,
            'messaging.message.id': String(m.seq),
            'messaging.batch.message_count': messages.length,
          },
        },
        stored ? trace.setSpanContext(ROOT_CONTEXT, stored) : ROOT_CONTEXT,
      );
      spans.push(span);
      m.traceparent = activeTraceparent(trace.setSpan(ROOT_CONTEXT, span));
    });
    const under = spans.find((s) => s.isRecording());
    try {
      await context.with(under ? trace.setSpan(ROOT_CONTEXT, under) : contextOf(messages[0]!.traceparent), () => this.bus.emit(messages));
    } catch (err) {
      for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      for (const span of spans) span.end();
    }
  }

  /** Returns how many rows were published. */
  private async publishBatch(): Promise<number> {
    const rows = await this.db
      .selectFrom('outbox')
      .select(['seq', 'topic', 'key', 'payload', 'created_at', 'traceparent'])
      .where('published_at', 'is', null)
      .orderBy('seq')
      .limit(this.batchSize)
      .execute();
    const oldest = rows[0];
    metrics.outboxLag.set(oldest ? (Date.now() - oldest.created_at.getTime()) / 1000 : 0);
    if (!oldest) return 0;
    const messages = rows.map(
      (r) => ({ seq: r.seq, topic: r.topic as TopicName, key: r.key, payload: r.payload, createdAt: r.created_at }) as OutgoingMessage,
    );
    metrics.relayBatchSize.observe(rows.length);
    await (tracingOn() ? this.emitTraced(messages, rows) : this.bus.emit(messages));
    await this.db
      .updateTable('outbox')
      .set({ published_at: new Date() })
      .where(
        'seq',
        'in',
        rows.map((r) => r.seq),
      )
      .execute();
    for (const m of messages) metrics.published.inc({ topic: m.topic });
    return rows.length;
  }
}
