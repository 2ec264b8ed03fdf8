/**
 * The reminder clock: a timer armed for the earliest pending reminder (so each fires within a
 * second of its time), re-armed whenever tasks change, plus a periodic safety scan. Missed
 * reminders (service was down) are simply due at the first scan after start.
 *
 * Every API process runs one, in both modes. With several replicas every clock is
 * armed for the same reminder and they all scan at its time: the claim (SKIP LOCKED, fired_at)
 * lets one of them fire it, and a killed replica leaves the others armed — no failover wait.
 * Replicas learn about reminders written elsewhere through `rearm()` (app.ts: LISTEN/NOTIFY).
 */
import type { Logger } from '../logger.js';
import type { ReminderScanner } from './scanner.js';

/** setTimeout's ceiling (~24.8 days); longer waits are re-armed by the safety scan anyway. */
const MAX_DELAY = 2_147_483_647;
const RETRY_DELAY = 1_000;
/**
 * The earliest reminder is due but the scan claimed nothing: another replica holds it (it is
 * committing it, or its connection is dying with it). Look again shortly instead of spinning.
 */
const CONTENDED_DELAY = 50;

export class ReminderClock {
  private timer: NodeJS.Timeout | undefined;
  private safety: NodeJS.Timeout | undefined;
  private busy: Promise<void> = Promise.resolve();
  private stopped = true;
  private rearmQueued = false;

  constructor(
    private readonly scanner: ReminderScanner,
    private readonly onFired: () => void,
    private readonly log: Logger,
    private readonly safetyMs: number,
  ) {}

  start(): void {
    this.stopped = false;
    this.safety = setInterval(() => this.tick(), this.safetyMs);
    this.tick();
  }

  /**
   * Tasks changed: the earliest reminder may have moved. Calls coalesce: while one re-arm waits
   * to run, later ones ride on it (its query starts after they committed), so a burst of writes
   * costs one nextDue() query, not one per write.
   */
  rearm(): void {
    if (this.stopped || this.rearmQueued) return;
    this.rearmQueued = true;
    this.busy = this.busy.then(() => {
      this.rearmQueued = false;
      return this.arm();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.safety);
    await this.busy;
    // an arm() that was awaiting the database when we stopped has set a new timer: drop it
    clearTimeout(this.timer);
  }

  private tick(): void {
    if (this.stopped) return;
    this.busy = this.busy.then(async () => {
      let dueDelay = 0;
      try {
        const fired = await this.scanner.scan();
        if (fired) this.onFired();
        else dueDelay = CONTENDED_DELAY;
      } catch (err) {
        dueDelay = RETRY_DELAY;
        this.log.warn({ err: (err as Error).message }, 'reminder scan failed');
      }
      await this.arm(dueDelay);
    });
  }

  /**
   * `dueDelay`: the wait when the earliest reminder is already due — none after a scan that fired
   * (fire the rest), longer after one that claimed nothing or failed (database down), so the
   * clock never spins on a reminder it cannot fire.
   */
  private async arm(dueDelay = 0): Promise<void> {
    if (this.stopped) return;
    try {
      const next = await this.scanner.nextDue();
      clearTimeout(this.timer);
      if (this.stopped) return;
      if (!next) return;
      const wait = next.getTime() - Date.now();
      const delay = Math.min(MAX_DELAY, wait > 0 ? wait : dueDelay);
      this.timer = setTimeout(() => this.tick(), delay);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not arm reminder timer');
    }
  }
}
