/** A task's audit trail (GET /tasks/{id}/history): each event with what it changed. */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type HistoryEntry, type Task } from '../api';
import { isConnectionError, useRetryOnReconnect } from '../connection';
import { fullDate, inZone } from '../dates';
import { Empty, Spinner } from '../components/Field';
import { recurrenceText } from '../repeat-text';
import { Dialog, closeToList } from './Dialog';

const FIELDS: { key: keyof Task; label: string; show: (t: Task) => string }[] = [
  { key: 'title', label: 'Title', show: (t) => t.title },
  { key: 'description', label: 'Description', show: (t) => t.description || '—' },
  { key: 'completed', label: 'Status', show: (t) => (t.completed ? 'done' : 'to do') },
  { key: 'priority', label: 'Priority', show: (t) => t.priority },
  { key: 'tags', label: 'Tags', show: (t) => (t.tags.length ? t.tags.map((x) => `#${x}`).join(' ') : '—') },
  { key: 'due_date', label: 'Due', show: (t) => (t.due_date ? inZone(t.due_date, t.timezone) : '—') },
  { key: 'timezone', label: 'Time zone', show: (t) => t.timezone },
  { key: 'reminders', label: 'Reminders', show: (t) => String(t.reminders.length) },
  { key: 'recurrence', label: 'Repeats', show: (t) => (t.recurrence ? recurrenceText(t.recurrence) : 'no') },
  { key: 'recurrence_basis', label: 'Counted from', show: (t) => (t.recurrence_basis === 'completion' ? 'completion' : 'due date') },
];

const EVENT_LABEL: Record<string, string> = { created: 'Created', updated: 'Updated', completed: 'Completed', deleted: 'Deleted' };

function changes(prev: Task | undefined, cur: Task): { label: string; from?: string; to: string }[] {
  if (!prev) return [];
  return FIELDS.filter((f) => JSON.stringify(prev[f.key]) !== JSON.stringify(cur[f.key])).map((f) => ({
    label: f.label,
    from: f.show(prev),
    to: f.show(cur),
  }));
}

export function History({ id }: { id?: number }) {
  const [entries, setEntries] = useState<HistoryEntry[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = () => {
    if (id === undefined) return;
    api.history(id).then(
      (h) => (setEntries(h), setError(null)),
      (e: unknown) => setError(e),
    );
  };
  useEffect(load, [id]);
  useRetryOnReconnect(isConnectionError(error), load);
  // deleted, or not this user's to see: said as such, not as the server's "task 9 not found"
  const notFound = error instanceof ApiError && error.status === 404;

  const title = entries?.[entries.length - 1]?.data.title;
  return (
    <Dialog title={notFound ? 'Task not found' : title ? `History of “${title}”` : 'History'} onClose={closeToList}>
      {notFound ? (
        <Empty title="There is no such task">
          <p>It may have been deleted, or it is in a project you can no longer see.</p>
        </Empty>
      ) : (
        error !== null && (
          <p class="form-error" role="alert">
            Could not load the history: {error instanceof Error ? error.message : String(error)}
          </p>
        )
      )}
      {!entries && error === null && <Spinner label="Loading history" />}
      {entries && entries.length === 0 && <Empty title="No history yet" />}
      {entries && entries.length > 0 && (
        <ol class="history" data-testid="history">
          {entries.map((e, i) => {
            const diff = changes(entries[i - 1]?.data, e.data);
            const type =
              e.event_type === 'completed' && !e.data.completed
                ? 'Reopened'
                : e.event_type === 'created' && entries[i - 1]?.event_type === 'deleted'
                  ? 'Restored'
                  : (EVENT_LABEL[e.event_type] ?? e.event_type);
            return (
              <li key={e.event_id}>
                <div class="history-head">
                  <strong>{type}</strong>
                  <time dateTime={e.timestamp}>{fullDate(e.timestamp)}</time>
                </div>
                {diff.length > 0 && (
                  <ul class="diff">
                    {diff.map((d) => (
                      <li key={d.label}>
                        <span class="label">{d.label}:</span> <del dir="auto">{d.from}</del> → <ins dir="auto">{d.to}</ins>
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            );
          })}
        </ol>
      )}
      <div class="dialog-actions">
        {id !== undefined && !notFound && (
          <a class="btn" href={`#/tasks/${id}`}>
            Edit task
          </a>
        )}
        <span class="spacer" />
        <button type="button" class="btn primary" onClick={closeToList}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
