/**
 * The webhook delivery worker. Delivery rows (written by the fan-out consumer or a test ping) are
 * claimed when due — `FOR UPDATE SKIP LOCKED`, so workers in several processes never take the same
 * row — and held by a lease: the claim moves `next_attempt_at` past the POST's deadline and
 * commits, so no transaction stays open during a POST, and a worker that dies mid-send leaves a
 * row that becomes due again when its lease runs out (at-least-once; receivers dedupe on
 * `webhook-id`). A failed attempt is rescheduled with exponential backoff in the same row, so
 * retries survive restarts.
 *
 * Isolation: at most `concurrency` POSTs per process, and a claim takes at most one row per
 * webhook, never one of a webhook that has an attempt in flight — so a slow or dead receiver
 * holds one slot at a time and the others keep serving everyone else's webhooks in order of due
 * time. The API never waits on any of it.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { WebhookConfig } from '../config.js';
import type { Db, Tx } from '../db/types.js';
import type { Logger } from '../logger.js';
import { coalesced } from '../coalesce.js';
import { appendManyToOutbox } from '../events/outbox.js';
import { metrics } from '../metrics.js';
import { TOPICS } from '../events/schemas.js';
import { messageId } from './model.js';
import { send, type SendResult } from './sender.js';
import { signedHeaders } from './signing.js';
import type { Resolver } from './targets.js';

interface Claimed {
  id: string;
  webhook_id: number;
  user_id: string;
  event_id: string;
  payload: unknown;
  attempts: number;
  url: string;
  secret: string;
}

export interface DispatcherDeps {
  db: Db;
  config: WebhookConfig;
  log: Logger;
  resolve: Resolver;
  now: () => Date;
  /** an outbox row was committed (the owner's notification): wake the relay */
  changed: () => void;
}

/** Delay before attempt `attempts + 1`: base·2^(attempts−1), ±20 % jitter (receivers recovering from an outage are not hit in step), capped. */
export function backoffMs(attempts: number, c: Pick<WebhookConfig, 'retryBaseMs' | 'retryMaxMs'>, random = Math.random): number {
  const exp = Math.min(c.retryMaxMs, c.retryBaseMs * 2 ** Math.min(attempts - 1, 40));
  return Math.round(Math.min(c.retryMaxMs, exp * (0.8 + 0.4 * random())));
}

export class WebhookDispatcher {
  private inFlight = 0;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private readonly sends = new Set<Promise<void>>();

  constructor(private readonly d: DispatcherDeps) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.d.config.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Look for due deliveries now (a row was queued, or a slot was freed). */
  readonly kick = coalesced(async () => {
    if (this.stopped) return;
    await this.fill().catch((err: Error) => this.d.log.warn({ err: err.message }, 'webhook claim failed; retrying at the next poll'));
  });

  /** Stop claiming; the POSTs in flight finish (each is bounded by the timeout) and record their outcome. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.allSettled([...this.sends]);
  }

  private async fill(): Promise<void> {
    while (!this.stopped) {
      const free = this.d.config.concurrency - this.inFlight;
      if (free <= 0) return;
      const rows = await this.claim(free);
      for (const row of rows) this.track(row);
      if (rows.length < free) return;
    }
  }

  private track(row: Claimed): void {
    this.inFlight++;
    const p = this.attempt(row)
      .catch((err: Error) => this.d.log.error({ err: err.message, delivery: row.id }, 'webhook attempt could not be recorded'))
      .finally(() => {
        this.inFlight--;
        this.sends.delete(p);
        this.kick();
      });
    this.sends.add(p);
  }

  /** Up to `n` due rows, one per webhook at most, none of a webhook with an attempt in flight; leased. */
  private async claim(n: number): Promise<Claimed[]> {
    const leaseMs = this.d.config.timeoutMs + 30_000;
    const { rows } = await sql<Claimed>`
      WITH picked AS (
        SELECT d.id
        FROM webhooks w
        CROSS JOIN LATERAL (
          SELECT id, next_attempt_at FROM webhook_deliveries
          WHERE webhook_id = w.id AND status IN ('pending', 'sending') AND next_attempt_at <= now()
          ORDER BY next_attempt_at, id
          LIMIT 1
          FOR UPDATE SKIP LOCKED
        ) d
        WHERE w.enabled
          AND NOT EXISTS (
            SELECT 1 FROM webhook_deliveries s
            WHERE s.webhook_id = w.id AND s.status = 'sending' AND s.next_attempt_at > now()
          )
        ORDER BY d.next_attempt_at
        LIMIT ${n}
      )
      UPDATE webhook_deliveries u
      SET status = 'sending', attempts = u.attempts + 1, last_attempt_at = now(),
          next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000})
      FROM picked, webhooks w
      WHERE u.id = picked.id AND w.id = u.webhook_id
      RETURNING u.id, u.webhook_id, u.user_id, u.event_id, u.payload, u.attempts, w.url, w.secret`.execute(this.d.db);
    return rows;
  }

  private async attempt(row: Claimed): Promise<void> {
    const body = JSON.stringify(row.payload);
    const headers = signedHeaders(row.secret, messageId(row.event_id), this.d.now(), body);
    const result = await send(row.url, headers, body, {
      timeoutMs: this.d.config.timeoutMs,
      allowPrivate: this.d.config.allowPrivate,
      resolve: this.d.resolve,
    });
    const disabled = await this.d.db.transaction().execute((tx) => this.record(tx, row, result));
    const outcome = result.ok
      ? 'succeeded'
      : result.error?.startsWith('refused:')
        ? 'refused'
        : row.attempts >= this.d.config.maxAttempts
          ? 'failed'
          : 'retry';
    metrics.webhookAttempts.inc({ outcome });
    if (result.status !== undefined || !result.error?.startsWith('refused:')) metrics.webhookDuration.observe(result.durationMs / 1000);
    if (disabled) {
      metrics.webhooksDisabled.inc();
      this.d.changed();
    }
    if (!result.ok)
      this.d.log.info(
        { webhook: row.webhook_id, delivery: row.id, attempt: row.attempts, status: result.status, err: result.error },
        'webhook attempt failed',
      );
  }

  /** The attempt's outcome on the row and the webhook; true when this failure disabled the webhook. */
  private async record(tx: Tx, row: Claimed, r: SendResult): Promise<boolean> {
    const c = this.d.config;
    const final = !r.ok && row.attempts >= c.maxAttempts;
    const status = r.ok ? 'succeeded' : final ? 'failed' : 'pending';
    const delay = r.ok || final ? 0 : backoffMs(row.attempts, c);
    // guarded by the attempt number: a row whose lease ran out and was claimed again is the new claimer's
    await sql`
      UPDATE webhook_deliveries
      SET status = ${status}, response_status = ${r.status ?? null}, duration_ms = ${r.durationMs},
          error = ${r.error ?? null}, next_attempt_at = now() + make_interval(secs => ${delay / 1000})
      WHERE id = ${row.id} AND status = 'sending' AND attempts = ${row.attempts}`.execute(tx);
    if (r.ok) {
      await tx.updateTable('webhooks').set({ consecutive_failures: 0 }).where('id', '=', row.webhook_id).execute();
      return false;
    }
    const hook = await tx
      .updateTable('webhooks')
      .set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1) }))
      .where('id', '=', row.webhook_id)
      .returning(['consecutive_failures', 'enabled', 'url'])
      .executeTakeFirst();
    if (!hook?.enabled || hook.consecutive_failures < c.disableAfter) return false;
    const now = this.d.now();
    await tx.updateTable('webhooks').set({ enabled: false, disabled_at: now, updated_at: now }).where('id', '=', row.webhook_id).execute();
    // the owner hears of it through the notifications topic (inbox + live stream), committed with the change
    await appendManyToOutbox(tx, TOPICS.notifications, [
      {
        key: `webhook-${row.webhook_id}`,
        payload: {
          notification_id: randomUUID(),
          type: 'webhook_disabled',
          user_id: row.user_id,
          task_id: null,
          title: 'Webhook disabled',
          body:
            `Your webhook to ${hook.url} was disabled after ${hook.consecutive_failures} failed deliveries in a row ` +
            `(last: ${r.error ?? `HTTP ${r.status}`}). Re-enable it (Settings → Integrations) once the receiver works.`,
          due_date: null,
          remind_at: now.toISOString(),
          late: false,
          timestamp: now.toISOString(),
        },
      },
    ]);
    this.d.log.warn({ webhook: row.webhook_id, failures: hook.consecutive_failures }, 'webhook disabled after repeated failures');
    return true;
  }
}
