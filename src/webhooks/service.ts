/** Webhooks as users manage them: create (secret shown once), list, delete, delivery log, test ping. */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/types.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { newSecret } from './signing.js';
import { parseTargetUrl, resolveTarget, TargetRefusedError, type Resolver } from './targets.js';
import { PING_EVENT, toDelivery, toWebhook, webhookBody, type Delivery, type Webhook, type WebhookCreate } from './model.js';

export interface WebhookServiceDeps {
  db: Db;
  now: () => Date;
  allowPrivate: boolean;
  resolve: Resolver;
  maxPerUser: number;
  /** a delivery row was written: wake a local dispatcher (others find it by polling) */
  queued: () => void;
}

export class WebhookService {
  constructor(private readonly d: WebhookServiceDeps) {}

  async list(userId: string): Promise<Webhook[]> {
    const rows = await this.d.db.selectFrom('webhooks').selectAll().where('user_id', '=', userId).orderBy('id').execute();
    return rows.map(toWebhook);
  }

  async get(userId: string, id: number): Promise<Webhook> {
    return toWebhook(await this.row(userId, id));
  }

  /** 422 for a URL that is not a public http(s) target (checked again at every delivery) or past the per-user limit. */
  async create(userId: string, input: WebhookCreate): Promise<Webhook & { secret: string }> {
    await this.checkTarget(input.url);
    const secret = newSecret();
    const now = this.d.now();
    const row = await this.d.db.transaction().execute(async (tx) => {
      // one create at a time per user, so two concurrent ones cannot both pass the count
      await tx.selectFrom('users').select('id').where('id', '=', userId).forUpdate().executeTakeFirst();
      const { n } = await tx
        .selectFrom('webhooks')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('user_id', '=', userId)
        .executeTakeFirstOrThrow();
      if (Number(n) >= this.d.maxPerUser)
        throw new ValidationError([
          { field: '(body)', message: `a user may have at most ${this.d.maxPerUser} webhooks; delete one first` },
        ]);
      return tx
        .insertInto('webhooks')
        .values({ user_id: userId, url: input.url, events: input.events, secret, created_at: now, updated_at: now, disabled_at: null })
        .returningAll()
        .executeTakeFirstOrThrow();
    });
    return { ...toWebhook(row), secret };
  }

  async delete(userId: string, id: number): Promise<void> {
    const r = await this.d.db.deleteFrom('webhooks').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    if (!r.numDeletedRows) throw new NotFoundError(`webhook ${id} not found`);
  }

  /** Newest first; `before`: the id of the last delivery of the previous page. */
  async deliveries(userId: string, id: number, opts: { limit: number; before?: number | undefined }): Promise<Delivery[]> {
    await this.row(userId, id);
    let q = this.d.db
      .selectFrom('webhook_deliveries')
      .select([
        'id',
        'webhook_id',
        'event_id',
        'event_type',
        'status',
        'attempts',
        'next_attempt_at',
        'last_attempt_at',
        'response_status',
        'duration_ms',
        'error',
        'created_at',
      ])
      .where('webhook_id', '=', id);
    if (opts.before !== undefined) q = q.where('id', '<', opts.before);
    const rows = await q.orderBy('id', 'desc').limit(opts.limit).execute();
    return rows.map(toDelivery);
  }

  /**
   * Re-enable a webhook disabled after repeated failures: its failure count starts again at 0 and
   * the deliveries still pending from before are due at once (events that happened while it was
   * disabled were not recorded for it). 422 when its URL no longer passes the target checks.
   * An enabled webhook is returned unchanged.
   */
  async enable(userId: string, id: number): Promise<Webhook> {
    const hook = await this.row(userId, id);
    if (hook.enabled) return toWebhook(hook);
    await this.checkTarget(hook.url);
    const now = this.d.now();
    const row = await this.d.db.transaction().execute(async (tx) => {
      const updated = await tx
        .updateTable('webhooks')
        .set({ enabled: true, consecutive_failures: 0, disabled_at: null, updated_at: now })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .returningAll()
        .executeTakeFirst();
      if (!updated) throw new NotFoundError(`webhook ${id} not found`); // deleted meanwhile
      await tx
        .updateTable('webhook_deliveries')
        .set({ next_attempt_at: sql<Date>`now()` })
        .where('webhook_id', '=', id)
        .where('status', '=', 'pending')
        .execute();
      return updated;
    });
    this.d.queued();
    return toWebhook(row);
  }

  /** A `webhook.test` delivery, sent by the workers like any other (202: queued). 409 when the webhook is disabled. */
  async ping(userId: string, id: number): Promise<Delivery> {
    const hook = await this.row(userId, id);
    if (!hook.enabled) throw new ConflictError(`webhook ${id} is disabled after repeated failures; re-enable it to resume deliveries`);
    const eventId = randomUUID();
    const at = this.d.now();
    const row = await this.d.db
      .insertInto('webhook_deliveries')
      .values({
        webhook_id: id,
        user_id: userId,
        event_id: eventId,
        event_type: PING_EVENT,
        payload: JSON.stringify(webhookBody(PING_EVENT, at.toISOString(), { webhook_id: id })),
        next_attempt_at: sql<Date>`now()`,
        last_attempt_at: null,
        response_status: null,
        duration_ms: null,
        error: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    this.d.queued();
    return toDelivery(row);
  }

  private async row(userId: string, id: number) {
    const row = await this.d.db.selectFrom('webhooks').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    if (!row) throw new NotFoundError(`webhook ${id} not found`);
    return row;
  }

  private async checkTarget(raw: string): Promise<void> {
    try {
      await resolveTarget(parseTargetUrl(raw), this.d);
    } catch (err) {
      if (err instanceof TargetRefusedError) throw new ValidationError([{ field: 'url', message: err.message }]);
      throw err;
    }
  }
}
