/**
 * The notification text: the seed's "Task Due Soon" / "Your task 'Buy Milk' is due in 15 minutes.",
 * plus the due time on the task's own clock ("(at 18:30)"), since "in 15 minutes" alone goes stale
 * the moment the notification sits unread. The title and the body are shown together (web app,
 * browser notification), so the body never repeats the title's word ("Task Reminder — Reminder: …").
 */
function span(minutes: number): string {
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (minutes < 60) return unit(minutes, 'minute');
  if (minutes < 60 * 48 && minutes % 60 !== 0 && minutes < 180)
    return `${unit(Math.floor(minutes / 60), 'hour')} ${unit(minutes % 60, 'minute')}`;
  if (minutes < 60 * 48) return unit(Math.round(minutes / 60), 'hour');
  return unit(Math.round(minutes / 1440), 'day');
}

const formats = new Map<string, { time: Intl.DateTimeFormat; day: Intl.DateTimeFormat; year: Intl.DateTimeFormat }>();

/** A zone Intl does not know (tasks' zones are validated, but a scan must never fail on one row) reads as UTC. */
function formatsFor(timeZone: string) {
  let f = formats.get(timeZone);
  if (!f) {
    try {
      new Intl.DateTimeFormat('en-GB', { timeZone });
    } catch {
      return formatsFor('UTC');
    }
    f = {
      time: new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
      day: new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: 'numeric', month: 'short' }),
      year: new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short', year: 'numeric' }),
    };
    formats.set(timeZone, f);
  }
  return f;
}

/** "at 18:30" on the same local day as `at`, "at 09:00 on Tue 3 Mar" on another, with the year in another year. */
export function dueClock(due: Date, at: Date, timeZone: string): string {
  const f = formatsFor(timeZone);
  const time = `at ${f.time.format(due)}`;
  const [dueYear, atYear] = [f.year.format(due), f.year.format(at)];
  if (dueYear === atYear) return time;
  if (dueYear.slice(-4) !== atYear.slice(-4)) return `${time} on ${dueYear}`;
  return `${time} on ${f.day.format(due).replace(',', '')}`;
}

export function reminderText(taskTitle: string, due: Date | null, at: Date, timeZone = 'UTC'): { title: string; body: string } {
  if (!due) return { title: 'Task Reminder', body: `Time for your task '${taskTitle}'.` };
  const minutes = Math.round((due.getTime() - at.getTime()) / 60_000);
  const when = `(${dueClock(due, at, timeZone)})`;
  if (minutes > 0) return { title: 'Task Due Soon', body: `Your task '${taskTitle}' is due in ${span(minutes)} ${when}.` };
  if (minutes === 0) return { title: 'Task Due Now', body: `Your task '${taskTitle}' is due now ${when}.` };
  return { title: 'Task Overdue', body: `Your task '${taskTitle}' was due ${span(-minutes)} ago ${when}.` };
}
