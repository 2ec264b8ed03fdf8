/**
 * Cross-process wake-up of the outbox relay (PostgreSQL server only). Every process may relay,
 * but the lease lets one publish at a time; without this, rows committed by another process
 * (an API replica, while a consumer process holds the lease) waited for the holder's next
 * idle poll (RELAY_POLL_MS, 200 ms): ~100 ms on average added to every event.
 *
 * A process that commits outbox rows without holding the lease sends NOTIFY; the holder LISTENs
 * and kicks its relay. Only a hint: the poll still covers a lost notification, a restarted
 * holder or a lease that changed hands. At most one NOTIFY is in flight per process (bursts
 * coalesce), so it costs little under load.
 *
 * The same signal re-arms the reminder clock of every API replica: a process that
 * wrote reminder rows (a task write, a snooze, the recurring consumer's next occurrence) always
 * sends it, so each clock's timer covers reminders written by other processes. Also only a hint
 * there: the clock's safety scan and the cron binding cover a lost one.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import type { Db } from '../db/types.js';
import type { Logger } from '../logger.js';
import { coalesced } from '../coalesce.js';

const CHANNEL = 'outbox_relay_wakeup';
const RECONNECT_MS = 1000;

export class OutboxWakeup {
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;
  /** this process's NOTIFY payload, so it can tell its own from others' */
  private readonly self = randomUUID();

  constructor(
    private readonly url: string,
    private readonly db: Db,
    private readonly log: Logger,
    /** `rearm`: the sender wrote reminder rows (or cannot tell) */
    private readonly onWake: (rearm: boolean) => void,
  ) {}

  /** Never fails: without the LISTEN connection the relay still polls (it reconnects in the background). */
  async start(): Promise<void> {
    await this.connect().catch((err: Error) => {
      this.log.warn({ err: err.message }, 'relay wake-up LISTEN failed; the relay polls meanwhile');
      this.reconnect();
    });
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (n) => {
      if (n.channel !== CHANNEL) return;
      const [from, rearm] = (n.payload ?? '').split(' ');
      // our own NOTIFY comes back to us too: this process already kicked its relay and clock when it committed
      if (from !== this.self) this.onWake(rearm !== 'no-reminders');
    });
    client.on('error', (err) => {
      if (this.client !== client) return; // failed while connecting: start() handles it
      this.log.warn({ err: err.message }, 'relay wake-up LISTEN connection lost; reconnecting (the relay polls meanwhile)');
      this.reconnect();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) await client.end().catch(() => undefined);
    else this.client = client;
  }

  private reconnect(): void {
    const old = this.client;
    this.client = undefined;
    old?.end().catch(() => undefined);
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.start();
    }, RECONNECT_MS);
    this.retry.unref();
  }

  /** Outbox rows were committed here: wake whichever process holds the relay lease (and re-arm the clocks elsewhere if `reminders`). */
  notify(opts: { reminders: boolean } = { reminders: true }): void {
    this.rearm ||= opts.reminders;
    this.send();
  }

  /** whether a write since the last NOTIFY wrote reminders: the clocks elsewhere re-arm then only */
  private rearm = false;

  private readonly send = coalesced(async () => {
    if (this.closed) return;
    const payload = this.rearm ? this.self : `${this.self} no-reminders`;
    this.rearm = false;
    await sql`SELECT pg_notify(${CHANNEL}, ${payload})`
      .execute(this.db)
      .catch((err: Error) => this.log.debug({ err: err.message }, 'relay wake-up NOTIFY failed; the relay polls'));
  });

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }
}
