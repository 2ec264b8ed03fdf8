/** The editor's repeat section: a preset, a custom rule or raw RRULE text, the next dates, and what the next one counts from. */
import { useMemo } from 'preact/hooks';
import { describedBy, errId, FieldError } from '../components/Field';
import { CustomRecurrence } from './CustomRecurrence';
import { modeDefaults, type SectionProps } from './form';
import { recurrencePreview } from './preview';
import { toRule, type Mode, type RecurrenceForm } from './recurrence';

const MODES: { value: Mode; label: string }[] = [
  { value: 'none', label: 'Does not repeat' },
  { value: 'daily', label: 'Daily' },
  { value: 'weekdays', label: 'Every weekday (Mon–Fri)' },
  { value: 'weekly', label: 'Weekly' },
  { value: 'monthly', label: 'Monthly' },
  { value: 'yearly', label: 'Yearly' },
  { value: 'custom', label: 'Custom…' },
  { value: 'rrule', label: 'RRULE (advanced)' },
];

export function RepeatSection({ form, set, msg }: SectionProps) {
  const setRec = (patch: Partial<RecurrenceForm>) => set('recurrence', { ...form.recurrence, ...patch });
  const rule = toRule(form.recurrence);
  const preview = useMemo(() => recurrencePreview(rule, form), [rule, form.dueDate, form.dueTime, form.timezone]);
  return (
    <fieldset class="group">
      <legend>Repeat</legend>
      <div class="field">
        <label for="f-repeat">Repeats</label>
        <select
          id="f-repeat"
          value={form.recurrence.mode}
          onChange={(e) => setRec(modeDefaults(e.currentTarget.value as Mode, form))}
          {...describedBy('recurrence', msg('recurrence'))}
        >
          {MODES.map((m) => (
            <option key={m.value} value={m.value}>
              {m.label}
            </option>
          ))}
        </select>
      </div>
      {form.recurrence.mode === 'custom' && <CustomRecurrence f={form.recurrence} set={setRec} />}
      {form.recurrence.mode === 'rrule' && (
        <div class="field">
          <label for="f-rrule">RRULE</label>
          <input
            id="f-rrule"
            class="mono"
            value={form.recurrence.rrule}
            placeholder="FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE"
            onInput={(e) => setRec({ rrule: e.currentTarget.value })}
            {...describedBy('recurrence', msg('recurrence'))}
          />
        </div>
      )}
      <FieldError id={errId('recurrence')} message={msg('recurrence')} />
      {rule && (
        <>
          <p class="hint">
            Rule: <code data-testid="rrule">{rule}</code>
          </p>
          <div class="preview" aria-live="polite">
            {preview.error ? (
              <p class="field-error">{preview.error}</p>
            ) : (
              <>
                <p class="preview-title">{preview.note}</p>
                <ol data-testid="preview">
                  {preview.dates.map((d) => (
                    <li key={d}>{d}</li>
                  ))}
                </ol>
              </>
            )}
          </div>
          <div class="field" role="radiogroup" aria-labelledby="basis-label">
            <span id="basis-label" class="label">
              Next occurrence counts from
            </span>
            <label class="check">
              <input type="radio" name="basis" checked={form.basis === 'due_date'} onChange={() => set('basis', 'due_date')} />
              the due date (fixed schedule)
            </label>
            <label class="check">
              <input type="radio" name="basis" checked={form.basis === 'completion'} onChange={() => set('basis', 'completion')} />
              when I complete it
            </label>
            <FieldError id={errId('recurrence_basis')} message={msg('recurrence_basis')} />
          </div>
        </>
      )}
    </fieldset>
  );
}
