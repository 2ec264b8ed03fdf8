/** The repeat section's preview: the rule checked and its next three dates, by the server's own recurrence module. */
import { checkRecurrence, previewOccurrences } from '../../../src/recurrence/index.js';
import { recurrenceText } from '../repeat-text';
import { dueOf, type Form } from './form';
import { validZone } from './zoned';

interface Preview {
  dates: string[];
  note: string;
  error?: string;
}

export function recurrencePreview(rule: string | null, f: Form): Preview {
  if (!rule) return { dates: [], note: '' };
  const check = checkRecurrence(rule);
  if (!check.ok) return { dates: [], note: '', error: check.message };
  const zone = validZone(f.timezone) ? f.timezone : 'UTC';
  const startIso = dueOf({ ...f, timezone: zone });
  const start = startIso ? new Date(startIso) : new Date();
  try {
    const fmt = new Intl.DateTimeFormat(undefined, {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      timeZone: zone,
    });
    const dates = previewOccurrences(check.rule, zone, start, 3).map((d) => fmt.format(d));
    const label = recurrenceText(check.rule);
    const note = startIso ? `${label} — next dates (${zone}):` : `${label} — set a due date to anchor the series; counting from now:`;
    return { dates, note };
  } catch (err) {
    return { dates: [], note: '', error: err instanceof Error ? err.message : String(err) };
  }
}
