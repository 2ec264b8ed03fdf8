/**
 * The words for a recurrence, shared by the list (main chunk) and the editor (its own chunk):
 * weekday codes and names, and the plain sentence a stored rule reads as.
 */

export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export const WEEKDAY_LABEL: Record<Weekday, string> = { MO: 'Mon', TU: 'Tue', WE: 'Wed', TH: 'Thu', FR: 'Fri', SA: 'Sat', SU: 'Sun' };
export const WEEKDAY_NAME: Record<Weekday, string> = {
  MO: 'Monday',
  TU: 'Tuesday',
  WE: 'Wednesday',
  TH: 'Thursday',
  FR: 'Friday',
  SA: 'Saturday',
  SU: 'Sunday',
};
/** BYDAY's ordinal prefix ("-1FR": the last Friday) in words */
export const ORDINAL: Record<string, string> = { '1': 'first', '2': 'second', '3': 'third', '4': 'fourth', '5': 'fifth', '-1': 'last' };

const isWeekday = (d: string): d is Weekday => (WEEKDAYS as readonly string[]).includes(d);

/** Human text for a stored recurrence (presets and the RRULEs the editor composes; others keep their parts). */
export function recurrenceText(rule: string): string {
  const presets: Record<string, string> = { daily: 'Daily', weekly: 'Weekly', monthly: 'Monthly', yearly: 'Yearly' };
  if (presets[rule]) return presets[rule];
  const parts = Object.fromEntries(rule.split(';').map((p) => p.split('=') as [string, string]));
  const n = Number(parts.INTERVAL ?? 1);
  const unit =
    ({ DAILY: 'day', WEEKLY: 'week', MONTHLY: 'month', YEARLY: 'year', HOURLY: 'hour' } as Record<string, string>)[parts.FREQ ?? ''] ?? '';
  let text = n === 1 ? `Every ${unit}` : `Every ${n} ${unit}s`;
  if (parts.BYDAY) {
    const days = parts.BYDAY.split(',');
    if (parts.BYDAY === 'MO,TU,WE,TH,FR' && n === 1) text = 'Every weekday';
    else
      text += ` on ${days
        .map((d) => {
          const m = /^([+-]?\d+)?([A-Z]{2})$/.exec(d);
          if (!m) return d;
          const day = m[2] as string;
          return `${m[1] ? `${ORDINAL[m[1]] ?? m[1]} ` : ''}${isWeekday(day) ? WEEKDAY_LABEL[day] : day}`;
        })
        .join(', ')}`;
  }
  if (parts.BYMONTHDAY) text += ` on day ${parts.BYMONTHDAY === '-1' ? 'last' : parts.BYMONTHDAY}`;
  if (parts.COUNT) text += `, ${parts.COUNT} times`;
  if (parts.UNTIL) text += `, until ${parts.UNTIL.slice(0, 4)}-${parts.UNTIL.slice(4, 6)}-${parts.UNTIL.slice(6, 8)}`;
  const other = Object.keys(parts).filter((k) => !['FREQ', 'INTERVAL', 'BYDAY', 'BYMONTHDAY', 'COUNT', 'UNTIL'].includes(k));
  if (other.length) text += ` (${other.map((k) => `${k}=${parts[k]}`).join(';')})`;
  return text;
}
