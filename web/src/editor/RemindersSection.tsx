/** The editor's reminders: up to 10 rows, each some time before the due date or at a date and time. */
import { describedBy, errId, FieldError, Icon } from '../components/Field';
import { DATE_MAX, DATE_MIN } from '../dates';
import { newReminder, type ReminderRow, type SectionProps, type Unit } from './form';

const MAX_REMINDERS = 10;

export function RemindersSection({ form, set, msg, listMessage }: SectionProps & { listMessage: string | undefined }) {
  const rows = form.reminders;
  const update = (key: number, next: (r: ReminderRow) => ReminderRow) =>
    set(
      'reminders',
      rows.map((x) => (x.key === key ? next(x) : x)),
    );
  return (
    <fieldset class="group">
      <legend>Reminders</legend>
      {rows.length === 0 && <p class="hint">No reminders.</p>}
      <ul class="reminders">
        {rows.map((r, i) => {
          const m = msg(`reminders/${i}`);
          const upd = (patch: Partial<ReminderRow>) => update(r.key, (x) => ({ ...x, ...patch }) as ReminderRow);
          return (
            <li key={r.key}>
              <div class="reminder">
                <label class="sr-only" for={`r-kind-${r.key}`}>
                  Reminder {i + 1} type
                </label>
                <select
                  id={`r-kind-${r.key}`}
                  value={r.kind}
                  onChange={(e) => update(r.key, () => newReminder(form, e.currentTarget.value === 'at' ? 'at' : 'before', r.key))}
                >
                  <option value="before">Before due</option>
                  <option value="at">At a time</option>
                </select>
                {r.kind === 'before' ? (
                  <>
                    <label class="sr-only" for={`r-amount-${r.key}`}>
                      Reminder {i + 1} amount
                    </label>
                    <input
                      id={`r-amount-${r.key}`}
                      type="number"
                      min={0}
                      class="num"
                      value={r.amount}
                      onInput={(e) => upd({ amount: Number(e.currentTarget.value) })}
                      {...describedBy(`reminders/${i}`, m)}
                    />
                    <label class="sr-only" for={`r-unit-${r.key}`}>
                      Reminder {i + 1} unit
                    </label>
                    <select id={`r-unit-${r.key}`} value={r.unit} onChange={(e) => upd({ unit: e.currentTarget.value as Unit })}>
                      <option value="minutes">minutes before</option>
                      <option value="hours">hours before</option>
                      <option value="days">days before</option>
                    </select>
                  </>
                ) : (
                  <>
                    <label class="sr-only" for={`r-at-${r.key}`}>
                      Reminder {i + 1} date and time ({form.timezone})
                    </label>
                    <input
                      id={`r-at-${r.key}`}
                      type="datetime-local"
                      step={1}
                      min={`${DATE_MIN}T00:00`}
                      max={`${DATE_MAX}T23:59:59`}
                      value={r.at}
                      onInput={(e) => upd({ at: e.currentTarget.value })}
                      {...describedBy(`reminders/${i}`, m)}
                    />
                  </>
                )}
                <button
                  type="button"
                  class="icon-btn"
                  aria-label={`Remove reminder ${i + 1}`}
                  onClick={() =>
                    set(
                      'reminders',
                      rows.filter((x) => x.key !== r.key),
                    )
                  }
                >
                  <Icon name="close" size={16} />
                </button>
              </div>
              <FieldError id={errId(`reminders/${i}`)} message={m} />
            </li>
          );
        })}
      </ul>
      {rows.length < MAX_REMINDERS && (
        <button type="button" class="btn small" onClick={() => set('reminders', [...rows, newReminder(form)])}>
          <Icon name="plus" size={14} /> Add reminder
        </button>
      )}
      <FieldError id={errId('reminders')} message={listMessage} />
    </fieldset>
  );
}
