/**
 * The editor's repeat section: a preset or a custom rule, read back as a plain sentence with the
 * next dates, and what the next one counts from. The RRULE itself (the composed rule, raw text
 * entry) is behind "Advanced options", open by itself for a rule only RRULE text can show.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { describedBy, errId, FieldError, Icon } from '../components/Field';
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

/** remembered: whoever opened the advanced options once wants them again */
const ADVANCED_KEY = 'taskstream.repeat-advanced';

export function RepeatSection({ form, set, msg }: SectionProps) {
  const setRec = (patch: Partial<RecurrenceForm>) => set('recurrence', { ...form.recurrence, ...patch });
  const rule = toRule(form.recurrence);
  const preview = useMemo(() => recurrencePreview(rule, form), [rule, form.dueDate, form.dueTime, form.timezone]);
  const [advanced, setAdvanced] = useAdvanced();
  const open = advanced || form.recurrence.mode === 'rrule';
  // one message for the rule: the server's after a save, else the live check's
  const ruleError = msg('recurrence') ?? preview.error;
  return (
    <fieldset class="group">
      <legend>Repeat</legend>
      <div class="field">
        <label for="f-repeat">Repeats</label>
        <select
          id="f-repeat"
          value={form.recurrence.mode}
          onChange={(e) => setRec(modeDefaults(e.currentTarget.value as Mode, form))}
          {...describedBy('recurrence', ruleError)}
        >
          {MODES.filter((m) => open || m.value !== 'rrule').map((m) => (
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
            {...describedBy('recurrence', ruleError)}
          />
        </div>
      )}
      <FieldError id={errId('recurrence')} message={ruleError} />
      {rule && (
        <>
          {!preview.error && (
            <div class="preview" aria-live="polite">
              <p class="preview-title">{preview.note}</p>
              <ol data-testid="preview">
                {preview.dates.map((d) => (
                  <li key={d}>{d}</li>
                ))}
              </ol>
            </div>
          )}
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
      {open && rule && form.recurrence.mode !== 'rrule' && (
        <p class="hint" id="repeat-advanced">
          Rule (RRULE): <code data-testid="rrule">{rule}</code>
        </p>
      )}
      <button
        type="button"
        class="btn ghost small"
        aria-expanded={open}
        disabled={form.recurrence.mode === 'rrule'}
        onClick={() => setAdvanced(!advanced)}
      >
        <Icon name={open ? 'down' : 'right'} size={14} /> Advanced options
      </button>
    </fieldset>
  );
}

function useAdvanced(): [boolean, (on: boolean) => void] {
  const [on, setOn] = useState(() => {
    try {
      return localStorage.getItem(ADVANCED_KEY) === '1';
    } catch {
      return false;
    }
  });
  useEffect(() => {
    try {
      if (on) localStorage.setItem(ADVANCED_KEY, '1');
      else localStorage.removeItem(ADVANCED_KEY);
    } catch {
      /* storage unavailable: not remembered */
    }
  }, [on]);
  return [on, setOn];
}
