/**
 * The task editor (its own chunk, loaded on first use): every field of a task, recurrence composed
 * into an RRULE with a preview of the next dates computed by the server's own recurrence module,
 * and API validation errors shown next to the field they concern.
 */
import { AssigneePicker } from './AssigneePicker';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError, PRIORITIES, type Priority, type RecurrenceBasis, type Reminder, type Task, type TaskInput } from '../api';
import { checkRecurrence, previewOccurrences } from '../../../src/recurrence/index.js';
import { describedBy, errId, FieldError, Icon, Spinner } from '../components/Field';
import { recurrenceText } from '../components/TaskList';
import { getState, rememberTags, toast, useStore } from '../store';
import { resolveProjectId } from '../views';
import { createTask, deleteTask, upsert } from '../tasks';
import { closeToList, Dialog } from './Dialog';
import {
  emptyForm,
  fromRule,
  toRule,
  WEEKDAY_LABEL,
  WEEKDAY_NAME,
  WEEKDAYS,
  type Freq,
  type Mode,
  type RecurrenceForm,
  type Weekday,
} from './recurrence';
import { allZones, fromWall, toLocalInput, toWall, validZone } from './zoned';

type Unit = 'minutes' | 'hours' | 'days';
const UNIT_MIN: Record<Unit, number> = { minutes: 1, hours: 60, days: 1440 };
type ReminderRow = { key: number; kind: 'before'; amount: number; unit: Unit } | { key: number; kind: 'at'; at: string };

interface Form {
  title: string;
  description: string;
  priority: Priority;
  tags: string[];
  dueDate: string;
  dueTime: string;
  timezone: string;
  reminders: ReminderRow[];
  recurrence: RecurrenceForm;
  basis: RecurrenceBasis;
  /** the project's id as a string ('' until the projects are known) */
  project: string;
  /** the assignee's user id, '' for nobody (DESIGN §8) */
  assignee: string;
}

/** A new task starts in the project on screen, else in the Inbox. */
function defaultProject(): string {
  const s = getState();
  return (s.view.kind === 'project' ? resolveProjectId(s.view, s.projects) : null) ?? String(s.projects.find((p) => p.inbox)?.id ?? '');
}

let rowKey = 0;

function reminderRow(r: Reminder, zone: string): ReminderRow {
  if ('at' in r) return { key: ++rowKey, kind: 'at', at: toLocalInput(r.at, zone) };
  const m = r.before_minutes;
  const unit: Unit = m > 0 && m % 1440 === 0 ? 'days' : m > 0 && m % 60 === 0 ? 'hours' : 'minutes';
  return { key: ++rowKey, kind: 'before', amount: m / UNIT_MIN[unit], unit };
}

function formFrom(task: Task | null, zone: string): Form {
  if (!task) {
    return {
      title: '',
      description: '',
      priority: 'none',
      tags: [],
      dueDate: '',
      dueTime: '09:00',
      timezone: zone,
      reminders: [],
      recurrence: emptyForm(),
      basis: 'due_date',
      project: defaultProject(),
      assignee: '',
    };
  }
  const wall = task.due_date ? toWall(task.due_date, task.timezone) : { date: '', time: '09:00' };
  return {
    title: task.title,
    description: task.description,
    priority: task.priority,
    tags: [...task.tags],
    dueDate: wall.date,
    dueTime: wall.time,
    timezone: task.timezone,
    reminders: task.reminders.map((r) => reminderRow(r, task.timezone)),
    recurrence: fromRule(task.recurrence),
    basis: task.recurrence_basis,
    project: task.project_id === undefined ? '' : String(task.project_id),
    assignee: task.assignee_id ?? '',
  };
}

function toInput(f: Form): TaskInput {
  const due = f.dueDate ? fromWall(`${f.dueDate}T${f.dueTime || '09:00'}`, f.timezone) : null;
  return {
    title: f.title,
    description: f.description,
    priority: f.priority,
    tags: f.tags,
    due_date: due,
    timezone: f.timezone.trim(),
    reminders: f.reminders.map((r) =>
      r.kind === 'before' ? { before_minutes: Math.round(r.amount * UNIT_MIN[r.unit]) } : { at: fromWall(r.at, f.timezone) ?? r.at },
    ),
    recurrence: toRule(f.recurrence),
    recurrence_basis: f.basis,
    assignee_id: f.assignee || null,
  };
}

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
const FREQ_UNIT: Record<Freq, string> = { DAILY: 'day(s)', WEEKLY: 'week(s)', MONTHLY: 'month(s)', YEARLY: 'year(s)' };
const ORDINALS = [
  { value: 1, label: 'first' },
  { value: 2, label: 'second' },
  { value: 3, label: 'third' },
  { value: 4, label: 'fourth' },
  { value: -1, label: 'last' },
];

export function Editor({ id }: { id?: number }) {
  const s = useStore();
  const cached = id !== undefined ? (s.tasks.find((t) => t.id === id) ?? null) : null;
  const [task, setTask] = useState<Task | null>(cached);
  const [form, setForm] = useState<Form>(() => formFrom(cached, getState().timezone));
  const [loading, setLoading] = useState(id !== undefined && !cached);
  const [error, setError] = useState<ApiError | null>(null);
  const [conflict, setConflict] = useState(false);
  const [saving, setSaving] = useState(false);
  const [tagDraft, setTagDraft] = useState('');
  const isNew = id === undefined;

  useEffect(() => {
    if (id === undefined) return;
    let live = true;
    api.getTask(id).then(
      (t) => {
        if (!live) return;
        setTask(t);
        if (!cached || cached.version !== t.version) setForm(formFrom(t, t.timezone));
        setLoading(false);
      },
      (err) => {
        if (!live) return;
        setLoading(false);
        setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
      },
    );
    return () => void (live = false);
  }, [id]);

  // a deep link renders the form after the fetch: focus its first field then
  useEffect(() => {
    if (!loading && document.activeElement?.classList.contains('dialog')) document.getElementById('f-title')?.focus();
  }, [loading]);

  // tag suggestions: every tag of the user's tasks (loaded once in the background)
  useEffect(() => void loadAllTags(), []);

  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));
  const setRec = (patch: Partial<RecurrenceForm>) => setForm((f) => ({ ...f, recurrence: { ...f.recurrence, ...patch } }));
  const msg = (field: string) => error?.fieldMessage(field);

  const rule = toRule(form.recurrence);
  const preview = useMemo(() => recurrencePreview(rule, form), [rule, form.dueDate, form.dueTime, form.timezone]);

  function addTag(raw: string) {
    const tag = raw.trim().toLowerCase().replace(/^#/, '');
    if (tag && !form.tags.includes(tag)) set('tags', [...form.tags, tag]);
    setTagDraft('');
  }

  async function save(e: Event) {
    e.preventDefault();
    if (tagDraft.trim()) addTag(tagDraft);
    setSaving(true);
    setError(null);
    setConflict(false);
    try {
      const input = toInput({ ...form, tags: tagDraft.trim() ? [...new Set([...form.tags, tagDraft.trim().toLowerCase()])] : form.tags });
      const project = s.projects.find((p) => String(p.id) === form.project);
      let saved = isNew
        ? await createTask(project ? { ...input, project_id: project.id } : input)
        : await api.updateTask(id as number, input, task?.version);
      // another project is a move (DESIGN §7: the task goes with its subtasks, to the top level there)
      if (!isNew && project && String(saved.project_id) !== form.project) saved = await api.moveTask(saved.id, { project_id: project.id });
      upsert(saved);
      toast(isNew ? `Added “${saved.title}”` : `Saved “${saved.title}”`);
      closeToList();
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(0, String(err));
      if (e.status === 412) setConflict(true);
      setError(e);
      // move focus to the first field with an error, so keyboard and screen-reader users land on it
      setTimeout(() => document.querySelector<HTMLElement>('.dialog [aria-invalid="true"]')?.focus(), 0);
    } finally {
      setSaving(false);
    }
  }

  async function reloadLatest() {
    if (id === undefined) return;
    const t = await api.getTask(id);
    setTask(t);
    setForm(formFrom(t, t.timezone));
    setConflict(false);
    setError(null);
  }

  const known = new Set(form.tags);
  const suggestions = s.knownTags.filter((t) => !known.has(t));
  const handled = [
    'title',
    'description',
    'priority',
    'tags',
    'due_date',
    'timezone',
    'reminders',
    'recurrence',
    'recurrence_basis',
    'project_id',
    'assignee_id',
  ];
  const choices = s.projects.filter((p) => !p.archived || String(p.id) === form.project);
  const otherErrors = error?.fields.filter((f) => !handled.some((h) => f.field === h || f.field.startsWith(h + '/'))) ?? [];
  const general = error && !conflict && (error.fields.length === 0 || otherErrors.length > 0) ? error.message : undefined;

  return (
    <Dialog title={isNew ? 'New task' : 'Edit task'} onClose={closeToList} wide>
      {loading ? (
        <Spinner label="Loading task" />
      ) : (
        <form class="editor" onSubmit={save} noValidate>
          {conflict && (
            <div class="form-error" role="alert">
              This task was changed somewhere else since you opened it.{' '}
              <button type="button" class="btn small" onClick={() => void reloadLatest()}>
                Load the latest version
              </button>
            </div>
          )}
          {general && (
            <p class="form-error" role="alert">
              {general}
            </p>
          )}
          <div class="field">
            <label for="f-title">Title</label>
            <input
              id="f-title"
              autofocus
              value={form.title}
              onInput={(e) => set('title', e.currentTarget.value)}
              {...describedBy('title', msg('title'))}
            />
            <FieldError id={errId('title')} message={msg('title')} />
          </div>
          <div class="field">
            <label for="f-desc">Description</label>
            <textarea
              id="f-desc"
              rows={3}
              value={form.description}
              onInput={(e) => set('description', e.currentTarget.value)}
              {...describedBy('description', msg('description'))}
            />
            <FieldError id={errId('description')} message={msg('description')} />
          </div>
          {choices.length > 0 && (
            <div class="field">
              <label for="f-project">Project</label>
              <select
                id="f-project"
                value={form.project}
                onChange={(e) => set('project', e.currentTarget.value)}
                {...describedBy('project_id', msg('project_id'), task?.parent_id ? 'f-project-hint' : undefined)}
              >
                {choices.map((p) => (
                  <option key={p.id} value={String(p.id)}>
                    {p.name}
                  </option>
                ))}
              </select>
              {task?.parent_id && (
                <p class="hint" id="f-project-hint">
                  A subtask moved to another project goes to its top level.
                </p>
              )}
              <FieldError id={errId('project_id')} message={msg('project_id')} />
            </div>
          )}
          <AssigneePicker projectId={form.project} value={form.assignee} onChange={(v) => set('assignee', v)} error={msg('assignee_id')} />
          <div class="grid2">
            <div class="field">
              <label for="f-priority">Priority</label>
              <select
                id="f-priority"
                value={form.priority}
                onChange={(e) => set('priority', e.currentTarget.value as Priority)}
                {...describedBy('priority', msg('priority'))}
              >
                {PRIORITIES.map((p) => (
                  <option key={p} value={p}>
                    {p === 'none' ? 'None' : p[0]?.toUpperCase() + p.slice(1)}
                  </option>
                ))}
              </select>
              <FieldError id={errId('priority')} message={msg('priority')} />
            </div>
            <div class="field">
              <label for="f-tags">Tags</label>
              <div class="tags-input">
                {form.tags.map((t) => (
                  <span class="chip tag" key={t}>
                    #{t}
                    <button
                      type="button"
                      class="chip-x"
                      aria-label={`Remove tag ${t}`}
                      onClick={() =>
                        set(
                          'tags',
                          form.tags.filter((x) => x !== t),
                        )
                      }
                    >
                      <Icon name="close" size={12} />
                    </button>
                  </span>
                ))}
                <input
                  id="f-tags"
                  list="tag-suggestions"
                  value={tagDraft}
                  placeholder={form.tags.length ? '' : 'Type and press Enter'}
                  onInput={(e) => {
                    const v = e.currentTarget.value;
                    if (v.endsWith(',')) addTag(v.slice(0, -1));
                    else if (suggestions.includes(v) && (e as InputEvent).inputType !== 'insertText') addTag(v);
                    else setTagDraft(v);
                  }}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter' && tagDraft.trim()) {
                      e.preventDefault();
                      addTag(tagDraft);
                    } else if (e.key === 'Backspace' && !tagDraft && form.tags.length) set('tags', form.tags.slice(0, -1));
                  }}
                  {...describedBy('tags', msg('tags'), 'tags-hint')}
                />
                <datalist id="tag-suggestions">
                  {suggestions.map((t) => (
                    <option key={t} value={t} />
                  ))}
                </datalist>
              </div>
              <p class="hint" id="tags-hint">
                {suggestions.length
                  ? `Your tags: ${suggestions.slice(0, 6).join(', ')}${suggestions.length > 6 ? '…' : ''}`
                  : 'Enter or comma adds a tag.'}
              </p>
              <FieldError id={errId('tags')} message={msg('tags')} />
            </div>
          </div>

          <fieldset class="group">
            <legend>Due</legend>
            <div class="grid3">
              <div class="field">
                <label for="f-due-date">Date</label>
                <input
                  id="f-due-date"
                  type="date"
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
                  {...describedBy('timezone', msg('timezone') ?? (validZone(form.timezone) ? undefined : 'unknown time zone'))}
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
            <FieldError
              id={errId('timezone')}
              message={msg('timezone') ?? (validZone(form.timezone) ? undefined : `“${form.timezone}” is not a known time zone`)}
            />
          </fieldset>

          <fieldset class="group">
            <legend>Reminders</legend>
            {form.reminders.length === 0 && <p class="hint">No reminders.</p>}
            <ul class="reminders">
              {form.reminders.map((r, i) => {
                const m = msg(`reminders/${i}`);
                const upd = (patch: Partial<ReminderRow>) =>
                  set(
                    'reminders',
                    form.reminders.map((x) => (x.key === r.key ? ({ ...x, ...patch } as ReminderRow) : x)),
                  );
                return (
                  <li key={r.key}>
                    <div class="reminder">
                      <label class="sr-only" for={`r-kind-${r.key}`}>
                        Reminder {i + 1} type
                      </label>
                      <select
                        id={`r-kind-${r.key}`}
                        value={r.kind}
                        onChange={(e) => {
                          const kind = e.currentTarget.value;
                          set(
                            'reminders',
                            form.reminders.map((x) =>
                              x.key !== r.key
                                ? x
                                : kind === 'at'
                                  ? { key: r.key, kind: 'at', at: defaultAt(form) }
                                  : { key: r.key, kind: 'before', amount: 15, unit: 'minutes' },
                            ),
                          );
                        }}
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
                            form.reminders.filter((x) => x.key !== r.key),
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
            {form.reminders.length < 10 && (
              <button
                type="button"
                class="btn small"
                onClick={() =>
                  set('reminders', [
                    ...form.reminders,
                    form.dueDate
                      ? { key: ++rowKey, kind: 'before', amount: 15, unit: 'minutes' }
                      : { key: ++rowKey, kind: 'at', at: defaultAt(form) },
                  ])
                }
              >
                <Icon name="plus" size={14} /> Add reminder
              </button>
            )}
            <FieldError id={errId('reminders')} message={error?.fields.find((f) => f.field === 'reminders')?.message} />
          </fieldset>

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

          <div class="dialog-actions">
            {!isNew && task && (
              <>
                <button
                  type="button"
                  class="btn danger"
                  onClick={() => {
                    void deleteTask(task);
                    closeToList();
                  }}
                >
                  Delete
                </button>
                <a class="btn ghost" href={`#/tasks/${task.id}/history`}>
                  History
                </a>
              </>
            )}
            <span class="spacer" />
            <button type="button" class="btn" onClick={closeToList}>
              Cancel
            </button>
            <button type="submit" class="btn primary" disabled={saving}>
              {saving ? 'Saving…' : isNew ? 'Add task' : 'Save'}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

function CustomRecurrence({ f, set }: { f: RecurrenceForm; set: (p: Partial<RecurrenceForm>) => void }) {
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
            value={f.until}
            disabled={f.end !== 'until'}
            onInput={(e) => set({ until: e.currentTarget.value })}
          />
        </div>
      </fieldset>
    </div>
  );
}

/** Sensible starting values when the user picks a repeat mode (weekday of the due date, etc.). */
function modeDefaults(mode: Mode, form: Form): Partial<RecurrenceForm> {
  const patch: Partial<RecurrenceForm> = { mode };
  if (mode === 'custom' && form.recurrence.mode !== 'custom') {
    const day = form.dueDate ? new Date(`${form.dueDate}T12:00:00`) : new Date();
    const wd = WEEKDAYS[(day.getDay() + 6) % 7] as Weekday;
    Object.assign(patch, { freq: 'WEEKLY', byDay: [wd], monthDay: day.getDate(), setPosDay: wd });
  }
  if (mode === 'rrule' && !form.recurrence.rrule) patch.rrule = toRule(form.recurrence) ?? 'FREQ=WEEKLY';
  return patch;
}

function defaultAt(form: Form): string {
  if (form.dueDate) return `${form.dueDate}T${form.dueTime || '09:00'}:00`;
  const now = new Date(Date.now() + 3600_000);
  return toLocalInput(now.toISOString(), validZone(form.timezone) ? form.timezone : 'UTC').slice(0, 16) + ':00';
}

interface Preview {
  dates: string[];
  note: string;
  error?: string;
}

function recurrencePreview(rule: string | null, f: Form): Preview {
  if (!rule) return { dates: [], note: '' };
  const check = checkRecurrence(rule);
  if (!check.ok) return { dates: [], note: '', error: check.message };
  const zone = validZone(f.timezone) ? f.timezone : 'UTC';
  const startIso = f.dueDate ? fromWall(`${f.dueDate}T${f.dueTime || '09:00'}`, zone) : null;
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

let tagsLoaded = false;
/** One background pass over the user's tasks, so tag suggestions include tags of unloaded pages. */
async function loadAllTags(): Promise<void> {
  if (tagsLoaded) return;
  tagsLoaded = true;
  let next: string | null = null;
  try {
    for (let page = 0; page < 10; page++) {
      const r: { tasks: Task[]; next: string | null } = await api.listTasks(
        next ?? new URLSearchParams({ status: 'all', limit: '200', sort: 'created_at' }),
      );
      rememberTags(r.tasks);
      next = r.next;
      if (!next) break;
    }
  } catch {
    tagsLoaded = false;
  }
}
