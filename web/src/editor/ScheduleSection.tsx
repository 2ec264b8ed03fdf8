/** The editor's due date: date and time as wall-clock in the task's time zone, and the zone itself. */
import { describedBy, errId, FieldError } from '../components/Field';
import { DATE_MAX, DATE_MIN } from '../dates';
import type { SectionProps } from './form';
import { allZones, validZone } from './zoned';

export function ScheduleSection({ form, set, msg }: SectionProps) {
  const zoneMessage = msg('timezone') ?? (validZone(form.timezone) ? undefined : `“${form.timezone}” is not a known time zone`);
  return (
    <fieldset class="group">
      <legend>Due</legend>
      <div class="grid3">
        <div class="field">
          <label for="f-due-date">Date</label>
          <input
            id="f-due-date"
            type="date"
            min={DATE_MIN}
            max={DATE_MAX}
            value={form.dueDate}
            onInput={(e) => set('dueDate', e.currentTarget.value)}
            {...describedBy('due_date', msg('due_date'))}
          />
        </div>
        <div class="field">
          <label for="f-due-time">Time</label>
          <input
            id="f-due-time"
            type="time"
            value={form.dueTime}
            disabled={!form.dueDate}
            onInput={(e) => set('dueTime', e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="f-tz">Time zone</label>
          <input
            id="f-tz"
            list="tz-list"
            value={form.timezone}
            onInput={(e) => set('timezone', e.currentTarget.value)}
            {...describedBy('timezone', zoneMessage)}
          />
          <datalist id="tz-list">
            {allZones().map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </div>
      </div>
      {form.dueDate && (
        <button type="button" class="btn ghost small" onClick={() => set('dueDate', '')}>
          Clear due date
        </button>
      )}
      <FieldError id={errId('due_date')} message={msg('due_date')} />
      <FieldError id={errId('timezone')} message={zoneMessage} />
    </fieldset>
  );
}
