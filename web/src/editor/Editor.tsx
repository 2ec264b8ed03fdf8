/**
 * The task editor (its own chunk, loaded on first use): the task's form in sections — details,
 * due date, reminders, repeat — and its actions. API validation errors are shown next to the
 * field they concern; a field an error names that no section shows is said at the top. A task
 * that cannot be loaded shows why (not found, or no connection), never an empty form.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type Task } from '../api';
import { Empty, Spinner } from '../components/Field';
import { isConnectionError, onReconnect } from '../connection';
import { recurrenceText } from '../repeat-text';
import { getState, toast, useStore } from '../store';
import { createTask, deleteTask, removeLocal, upsert } from '../tasks';
import { fieldList, mergeForms, type Merged } from './conflict';
import { closeToList, Dialog } from './Dialog';
import { DetailsSection } from './DetailsSection';
import { datesOutOfRange, formFrom, toInput, withTag, type Form } from './form';
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
  /** why the task could not be loaded (shown instead of the form when there is nothing to edit) */
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [error, setError] = useState<ApiError | null>(null);
  const [confirming, setConfirming] = useState(false);
  const confirmButton = useRef<HTMLButtonElement>(null);
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
        const e = err instanceof ApiError ? err : new ApiError(0, String(err));
        setLoadError(e);
        if (e.status === 404) removeLocal(id); // gone: not in the list either
      },
    );
    return () => void (live = false);
  }, [id, attempt]);

  function retryLoad() {
    setLoadError(null);
    setLoading(true);
    setAttempt((n) => n + 1);
  }

  // no connection when it was opened, or when saving: load again, or drop the stale message, once it is back
  useEffect(() => {
    const offlineLoad = loadError !== null && isConnectionError(loadError);
    const offlineSave = error !== null && isConnectionError(error);
    if (!offlineLoad && !offlineSave) return;
    return onReconnect(() => {
      if (offlineLoad) retryLoad();
      if (offlineSave) setError(null);
    });
  }, [loadError, error]);

  // a deep link renders the form after the fetch: focus its first field then
  useEffect(() => {
    if (!loading && document.activeElement?.classList.contains('dialog')) document.getElementById('f-title')?.focus();
  }, [loading]);

  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));
  const msg = (field: string) => error?.fieldMessage(field);

  /**
   * An error the user fixes: said under its field, which gets the focus (keyboard and screen-reader
   * users land on it); a conflict has no such field: its message, at the top, takes focus and comes into view.
   */
  function showError(e: ApiError) {
    setError(e);
    setTimeout(() => document.querySelector<HTMLElement>('.dialog [aria-invalid="true"], .dialog [data-testid="conflict"]')?.focus(), 0);
  }

  async function save(e: Event) {
    e.preventDefault();
    const tags = withTag(form.tags, tagDraft);
    if (tagDraft.trim()) {
      set('tags', tags);
      setTagDraft('');
    }
    const outOfRange = datesOutOfRange(form);
    if (outOfRange.length) return showError(new ApiError(422, outOfRange.map((f) => f.message).join(' '), outOfRange));
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
      showError(e);
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

  useEffect(() => void (confirming && confirmButton.current?.focus()), [confirming]);

  /** a recurring task ends its series when deleted: asked first (Undo restores it either way) */
  function remove(t: Task) {
    if (t.recurrence && !confirming) return setConfirming(true);
    void deleteTask(t);
    closeToList();
  }

  const otherErrors = error?.fields.filter((f) => !HANDLED.some((h) => f.field === h || f.field.startsWith(h + '/'))) ?? [];
  const general = error && !conflict && (error.fields.length === 0 || otherErrors.length > 0) ? error.message : undefined;
  const sectionProps = { form, set, msg };

  return (
    <Dialog title={loadError?.status === 404 ? 'Task not found' : isNew ? 'New task' : 'Edit task'} onClose={closeToList} wide>
      {loading ? (
        <Spinner label="Loading task" />
      ) : loadError && (loadError.status === 404 || !task) ? (
        <LoadFailed error={loadError} retry={retryLoad} />
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
                {confirming && task.recurrence ? (
                  <span class="confirm" role="group" aria-label="Confirm delete">
                    <span>
                      “{task.title}” repeats ({lowerFirst(recurrenceText(task.recurrence))}): deleting it ends the series.
                    </span>
                    <button type="button" class="btn danger" onClick={() => remove(task)} ref={confirmButton}>
                      Delete the series
                    </button>
                    <button type="button" class="btn ghost" onClick={() => setConfirming(false)}>
                      Keep it
                    </button>
                  </span>
                ) : (
                  <button type="button" class="btn danger" onClick={() => remove(task)}>
                    {task.recurrence ? 'Delete…' : 'Delete'}
                  </button>
                )}
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

/** Instead of the form: the task is not there (deleted, or not yours to see), or it could not be fetched. */
function LoadFailed({ error, retry }: { error: ApiError; retry: () => void }) {
  const notFound = error.status === 404;
  return (
    <>
      {notFound ? (
        <Empty title="There is no such task">
          <p>It may have been deleted, or it is in a project you can no longer see.</p>
        </Empty>
      ) : (
        <p class="form-error" role="alert">
          Could not load this task: {error.message}
        </p>
      )}
      <div class="dialog-actions">
        {!notFound && (
          <button type="button" class="btn" onClick={retry}>
            Try again
          </button>
        )}
        <span class="spacer" />
        <button type="button" class="btn primary" onClick={closeToList}>
          Back to the list
        </button>
      </div>
    </>
  );
}

/** "Every week on Mon" → "every week on Mon", inside a sentence */
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
