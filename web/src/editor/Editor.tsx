/**
 * The task editor (its own chunk, loaded on first use): the task's form in sections — details,
 * due date, reminders, repeat — and its actions. API validation errors are shown next to the
 * field they concern; a field an error names that no section shows is said at the top.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Task } from '../api';
import { Spinner } from '../components/Field';
import { getState, toast, useStore } from '../store';
import { createTask, deleteTask, upsert } from '../tasks';
import { fieldList, mergeForms, type Merged } from './conflict';
import { closeToList, Dialog } from './Dialog';
import { DetailsSection } from './DetailsSection';
import { formFrom, toInput, withTag, type Form } from './form';
import { RemindersSection } from './RemindersSection';
import { RepeatSection } from './RepeatSection';
import { ScheduleSection } from './ScheduleSection';

/** The fields the sections show their errors under. */
const HANDLED = [
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

export function Editor({ id }: { id?: number }) {
  const s = useStore();
  const cached = id !== undefined ? (s.tasks.find((t) => t.id === id) ?? null) : null;
  const [task, setTask] = useState<Task | null>(cached);
  const [form, setForm] = useState<Form>(() => formFrom(cached, getState().timezone));
  const [loading, setLoading] = useState(id !== undefined && !cached);
  const [error, setError] = useState<ApiError | null>(null);
  const [conflict, setConflict] = useState(false);
  /** after a 412: the user's changes, merged onto the latest version */
  const [merged, setMerged] = useState<Merged<Form> | null>(null);
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

  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));
  const msg = (field: string) => error?.fieldMessage(field);

  async function save(e: Event) {
    e.preventDefault();
    const tags = withTag(form.tags, tagDraft);
    if (tagDraft.trim()) {
      set('tags', tags);
      setTagDraft('');
    }
    setSaving(true);
    setError(null);
    setConflict(false);
    setMerged(null);
    const mine = { ...form, tags };
    try {
      const input = toInput(mine);
      const project = s.projects.find((p) => String(p.id) === form.project);
      let saved = isNew
        ? await createTask(project ? { ...input, project_id: project.id } : input)
        : await api.updateTask(id as number, input, task?.version);
      // another project is a move (the task goes with its subtasks, to the top level there)
      if (!isNew && project && String(saved.project_id) !== form.project) saved = await api.moveTask(saved.id, { project_id: project.id });
      upsert(saved);
      toast(isNew ? `Added “${saved.title}”` : `Saved “${saved.title}”`);
      closeToList();
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(0, String(err));
      if (e.status === 412) {
        setConflict(true);
        await keepMine(mine);
      }
      setError(e);
      // move focus to the first field with an error, so keyboard and screen-reader users land on it
      // (a conflict has no such field: its message, at the top, takes focus and comes into view)
      setTimeout(() => document.querySelector<HTMLElement>('.dialog [aria-invalid="true"], .dialog [data-testid="conflict"]')?.focus(), 0);
    } finally {
      setSaving(false);
    }
  }

  /** The 412 screen keeps what was typed: merged onto the latest version, which the next Save goes over. */
  async function keepMine(mine: Form) {
    if (!task) return;
    try {
      const latest = await api.getTask(task.id);
      const m = mergeForms(formFrom(task, task.timezone), mine, formFrom(latest, latest.timezone));
      setTask(latest);
      setForm(m.form);
      setMerged(m);
    } catch {
      /* the alert still offers the latest version */
    }
  }

  async function reloadLatest() {
    if (id === undefined) return;
    const t = await api.getTask(id);
    setTask(t);
    setForm(formFrom(t, t.timezone));
    setConflict(false);
    setMerged(null);
    setError(null);
  }

  const otherErrors = error?.fields.filter((f) => !HANDLED.some((h) => f.field === h || f.field.startsWith(h + '/'))) ?? [];
  const general = error && !conflict && (error.fields.length === 0 || otherErrors.length > 0) ? error.message : undefined;
  const sectionProps = { form, set, msg };

  return (
    <Dialog title={isNew ? 'New task' : 'Edit task'} onClose={closeToList} wide>
      {loading ? (
        <Spinner label="Loading task" />
      ) : (
        <form class="editor" onSubmit={save} noValidate>
          {conflict && (
            <div class="form-error" role="alert" data-testid="conflict" tabIndex={-1}>
              This task was changed somewhere else since you opened it.{' '}
              {merged && (
                <>
                  Your changes are still here, now on top of the latest version
                  {merged.theirs.length > 0 && <> (which changed {fieldList(merged.theirs)})</>}.
                  {merged.clashes.length > 0 && <> You both changed {fieldList(merged.clashes)}: yours is kept.</>} Save to keep them,
                  or{' '}
                </>
              )}
              <button type="button" class="btn small" onClick={() => void reloadLatest()}>
                {merged ? 'Discard my changes' : 'Load the latest version'}
              </button>
            </div>
          )}
          {general && (
            <p class="form-error" role="alert">
              {general}
            </p>
          )}
          <DetailsSection {...sectionProps} task={task} tagDraft={tagDraft} setTagDraft={setTagDraft} />
          <ScheduleSection {...sectionProps} />
          <RemindersSection {...sectionProps} listMessage={error?.fields.find((f) => f.field === 'reminders')?.message} />
          <RepeatSection {...sectionProps} />

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
