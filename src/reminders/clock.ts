/**
 * The embedded reminder clock: a timer armed for the earliest pending reminder (so each fires
 * within a second of its time), re-armed whenever tasks change, plus a periodic safety scan.
 * Missed reminders (service was down) are simply due at the first scan after start.
 */
import type { Logger } from '../logger.js';
import type { ReminderScanner } from './scanner.js';

/** setTimeout's ceiling (~24.8 days); longer waits are re-armed by the safety scan anyway. */
const MAX_DELAY = 2_147_483_647;
const RETRY_DELAY = 1_000;

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
      let healthy = true;
      try {
        const fired = await this.scanner.scan();
        if (fired) this.onFired();
      } catch (err) {
        healthy = false;
        this.log.warn({ err: (err as Error).message }, 'reminder scan failed');
      }
      await this.arm(healthy ? 0 : RETRY_DELAY);
    });
  }

  /** `minDelay` keeps a failing scan (database down) from spinning on an overdue reminder. */
  private async arm(minDelay = 0): Promise<void> {
    if (this.stopped) return;
    try {
      const next = await this.scanner.nextDue();
      clearTimeout(this.timer);
      if (this.stopped) return;
      if (!next) return;
      const delay = Math.min(MAX_DELAY, Math.max(minDelay, next.getTime() - Date.now()));
      this.timer = setTimeout(() => this.tick(), delay);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not arm reminder timer');
    }
  }
}
