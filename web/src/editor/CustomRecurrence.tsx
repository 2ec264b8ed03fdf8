/** The custom repeat form: every N days/weeks/months/years, on which weekdays or day of the month, and when it ends. */
import { ORDINAL, WEEKDAY_LABEL, WEEKDAY_NAME, WEEKDAYS, type Weekday } from '../repeat-text';
import { DATE_MAX, DATE_MIN } from '../dates';
import type { Freq, RecurrenceForm } from './recurrence';

const FREQ_UNIT: Record<Freq, string> = { DAILY: 'day(s)', WEEKLY: 'week(s)', MONTHLY: 'month(s)', YEARLY: 'year(s)' };
const ORDINALS = [1, 2, 3, 4, -1].map((value) => ({ value, label: ORDINAL[String(value)] }));

export function CustomRecurrence({ f, set }: { f: RecurrenceForm; set: (p: Partial<RecurrenceForm>) => void }) {
  return (
    <div class="custom-rec">
      <div class="inline-row">
        <label for="f-interval">Every</label>
        <input
          id="f-interval"
          type="number"
          class="num"
          min={1}
          max={1000}
          value={f.interval}
          onInput={(e) => set({ interval: Math.max(1, Number(e.currentTarget.value) || 1) })}
        />
        <label for="f-freq" class="sr-only">
          Unit
        </label>
        <select id="f-freq" value={f.freq} onChange={(e) => set({ freq: e.currentTarget.value as Freq })}>
          {(Object.keys(FREQ_UNIT) as Freq[]).map((k) => (
            <option key={k} value={k}>
              {FREQ_UNIT[k]}
            </option>
          ))}
        </select>
      </div>
      {f.freq === 'WEEKLY' && (
        <fieldset class="weekdays">
          <legend>On</legend>
          {WEEKDAYS.map((d) => (
            <label key={d} class={`day${f.byDay.includes(d) ? ' on' : ''}`}>
              <input
                type="checkbox"
                checked={f.byDay.includes(d)}
                aria-label={WEEKDAY_NAME[d]}
                onChange={() => set({ byDay: f.byDay.includes(d) ? f.byDay.filter((x) => x !== d) : [...f.byDay, d] })}
              />
              <span aria-hidden="true">{WEEKDAY_LABEL[d]}</span>
            </label>
          ))}
        </fieldset>
      )}
      {f.freq === 'MONTHLY' && (
        <fieldset class="plain">
          <legend class="sr-only">Day of the month</legend>
          <div class="inline-row">
            <label class="check">
              <input type="radio" name="monthly" checked={f.monthly === 'day'} onChange={() => set({ monthly: 'day' })} /> On day
            </label>
            <label for="f-monthday" class="sr-only">
              Day of month
            </label>
            <select
              id="f-monthday"
              value={f.monthDay}
              disabled={f.monthly !== 'day'}
              onChange={(e) => set({ monthDay: Number(e.currentTarget.value) })}
            >
              {Array.from({ length: 31 }, (_, i) => i + 1).map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
              <option value={-1}>last day</option>
            </select>
          </div>
          <div class="inline-row">
            <label class="check">
              <input type="radio" name="monthly" checked={f.monthly === 'weekday'} onChange={() => set({ monthly: 'weekday' })} /> On the
            </label>
            <label for="f-setpos" class="sr-only">
              Which week
            </label>
            <select
              id="f-setpos"
              value={f.setPos}
              disabled={f.monthly !== 'weekday'}
              onChange={(e) => set({ setPos: Number(e.currentTarget.value) })}
            >
              {ORDINALS.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
            <label for="f-setposday" class="sr-only">
              Weekday
            </label>
            <select
              id="f-setposday"
              value={f.setPosDay}
              disabled={f.monthly !== 'weekday'}
              onChange={(e) => set({ setPosDay: e.currentTarget.value as Weekday })}
            >
              {WEEKDAYS.map((d) => (
                <option key={d} value={d}>
                  {WEEKDAY_NAME[d]}
                </option>
              ))}
            </select>
          </div>
        </fieldset>
      )}
      <fieldset class="plain">
        <legend>Ends</legend>
        <div class="inline-row">
          <label class="check">
            <input type="radio" name="end" checked={f.end === 'never'} onChange={() => set({ end: 'never' })} /> Never
          </label>
        </div>
        <div class="inline-row">
          <label class="check">
            <input type="radio" name="end" checked={f.end === 'count'} onChange={() => set({ end: 'count' })} /> After
          </label>
          <label for="f-count" class="sr-only">
            Number of times
          </label>
          <input
            id="f-count"
            type="number"
            class="num"
            min={1}
            value={f.count}
            disabled={f.end !== 'count'}
            onInput={(e) => set({ count: Math.max(1, Number(e.currentTarget.value) || 1) })}
          />
          <span>times</span>
        </div>
        <div class="inline-row">
          <label class="check">
            <input type="radio" name="end" checked={f.end === 'until'} onChange={() => set({ end: 'until' })} /> On
          </label>
          <label for="f-until" class="sr-only">
            End date
          </label>
          <input
            id="f-until"
            type="date"
            min={DATE_MIN}
            max={DATE_MAX}
            value={f.until}
            disabled={f.end !== 'until'}
            onInput={(e) => set({ until: e.currentTarget.value })}
          />
        </div>
      </fieldset>
    </div>
  );
}
