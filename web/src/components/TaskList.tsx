import { Component } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Task } from '../api';
import { dueState, friendlyDate, inZone } from '../dates';
import { browserZone, DEFAULT_QUERY, useStore } from '../store';
import { loadMore, reload, setQuery, toggleComplete } from '../tasks';
import { prefetchEditor } from './App';
import { Empty, Icon, Spinner } from './Field';

const PRIORITY_LABEL = { urgent: 'Urgent', high: 'High', medium: 'Medium', low: 'Low', none: '' } as const;

const DAY_NAME: Record<string, string> = { MO: 'Mon', TU: 'Tue', WE: 'Wed', TH: 'Thu', FR: 'Fri', SA: 'Sat', SU: 'Sun' };
const ORDINAL: Record<string, string> = { '1': 'first', '2': 'second', '3': 'third', '4': 'fourth', '5': 'fifth', '-1': 'last' };

/** Human text for a stored recurrence (presets and the RRULEs the editor composes; others keep their parts). */
export function recurrenceText(rule: string): string {
  const presets: Record<string, string> = { daily: 'Daily', weekly: 'Weekly', monthly: 'Monthly', yearly: 'Yearly' };
  if (presets[rule]) return presets[rule];
  const parts = Object.fromEntries(rule.split(';').map((p) => p.split('=') as [string, string]));
  const n = Number(parts.INTERVAL ?? 1);
  const unit =
    ({ DAILY: 'day', WEEKLY: 'week', MONTHLY: 'month', YEARLY: 'year', HOURLY: 'hour' } as Record<string, string>)[parts.FREQ ?? ''] ?? '';
  let text = n === 1 ? `Every ${unit}` : `Every ${n} ${unit}s`;
  if (parts.BYDAY) {
    const days = parts.BYDAY.split(',');
    if (parts.BYDAY === 'MO,TU,WE,TH,FR' && n === 1) text = 'Every weekday';
    else
      text += ` on ${days
        .map((d) => {
          const m = /^([+-]?\d+)?([A-Z]{2})$/.exec(d);
          return m ? `${m[1] ? `${ORDINAL[m[1]] ?? m[1]} ` : ''}${DAY_NAME[m[2] as string] ?? m[2]}` : d;
        })
        .join(', ')}`;
  }
  if (parts.BYMONTHDAY) text += ` on day ${parts.BYMONTHDAY === '-1' ? 'last' : parts.BYMONTHDAY}`;
  if (parts.COUNT) text += `, ${parts.COUNT} times`;
  if (parts.UNTIL) text += `, until ${parts.UNTIL.slice(0, 4)}-${parts.UNTIL.slice(4, 6)}-${parts.UNTIL.slice(6, 8)}`;
  const other = Object.keys(parts).filter((k) => !['FREQ', 'INTERVAL', 'BYDAY', 'BYMONTHDAY', 'COUNT', 'UNTIL'].includes(k));
  if (other.length) text += ` (${other.map((k) => `${k}=${parts[k]}`).join(';')})`;
  return text;
}

interface RowProps {
  task: Task;
  minute: number;
}

/** One row; re-renders only when its task object (or the clock minute) changes. */
class TaskRow extends Component<RowProps> {
  override shouldComponentUpdate(next: RowProps) {
    return next.task !== this.props.task || next.minute !== this.props.minute;
  }

  override render({ task: t }: RowProps) {
    const due = dueState(t.due_date, t.completed);
    const cls = `task${t.completed ? ' done' : due === 'overdue' ? ' overdue' : due === 'today' ? ' today' : ''}`;
    const zoneNote = t.due_date && t.timezone !== browserZone() ? inZone(t.due_date, t.timezone) : undefined;
    return (
      <li class={cls} data-testid="task-row" data-task-id={t.id}>
        <input
          type="checkbox"
          class="complete"
          checked={t.completed}
          onChange={() => void toggleComplete(t)}
          aria-label={`${t.completed ? 'Mark not done' : 'Complete'}: ${t.title}`}
        />
        <div class="task-body">
          <a class="task-title" href={`#/tasks/${t.id}`}>
            {t.title}
          </a>
          <div class="meta">
            {t.due_date && (
              <span class={t.completed ? 'due' : `due due-${due}`} title={zoneNote}>
                <Icon name="clock" size={14} />
                {due === 'overdue' ? 'Overdue · ' : ''}
                <time dateTime={t.due_date}>{friendlyDate(t.due_date)}</time>
              </span>
            )}
            {t.priority !== 'none' && <span class={`pill prio-${t.priority}`}>{PRIORITY_LABEL[t.priority]}</span>}
            {t.recurrence && (
              <span class="rec" title="Repeats">
                <Icon name="repeat" size={14} />
                {recurrenceText(t.recurrence)}
              </span>
            )}
            {t.reminders.length > 0 && (
              <span class="rem" title={`${t.reminders.length} reminder${t.reminders.length > 1 ? 's' : ''}`}>
                <Icon name="bell" size={14} />
                <span class="sr-only">Reminders: </span>
                {t.reminders.length}
              </span>
            )}
            {t.tags.map((tag) => (
              <span class="tag" key={tag}>
                #{tag}
              </span>
            ))}
          </div>
        </div>
        <a class="icon-btn" href={`#/tasks/${t.id}/history`} aria-label={`History of ${t.title}`} title="History">
          <Icon name="history" />
        </a>
      </li>
    );
  }
}

export function TaskList() {
  const s = useStore();
  const [minute, setMinute] = useState(() => Math.floor(Date.now() / 60000));
  const sentinel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const t = setInterval(() => setMinute(Math.floor(Date.now() / 60000)), 15000);
    return () => clearInterval(t);
  }, []);

  useEffect(() => {
    if (s.loaded) setTimeout(prefetchEditor, 300);
  }, [s.loaded]);

  // infinite scroll: the next page loads when the end of the list comes into view
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !s.next) return;
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && void loadMore(), { rootMargin: '400px' });
    io.observe(el);
    return () => io.disconnect();
  }, [s.next, s.tasks.length]);

  const q = s.query;
  const filtered = q.q || q.priority.length || q.tags.length || q.dueFrom || q.dueTo || q.overdue;
  const heading = q.status === 'pending' ? 'To do' : q.status === 'completed' ? 'Done' : 'All tasks';

  return (
    <section class="list" aria-labelledby="list-heading">
      <div class="list-head">
        <h1 id="list-heading">{heading}</h1>
        <span class="total" aria-live="polite" data-testid="total">
          {s.loaded ? `${s.total}${s.totalAtLeast ? '+' : ''} ${s.total === 1 ? 'task' : 'tasks'}` : ''}
        </span>
        {s.loading && <Spinner label="Loading tasks" />}
      </div>
      {s.loadError && (
        <div class="form-error" role="alert">
          Could not load tasks: {s.loadError}{' '}
          <button type="button" class="btn small" onClick={() => void reload()}>
            Retry
          </button>
        </div>
      )}
      {s.loaded && s.tasks.length === 0 && !s.loading ? (
        filtered ? (
          <Empty title="No tasks match these filters">
            <button type="button" class="btn" onClick={() => setQuery({ ...DEFAULT_QUERY, status: q.status, sort: q.sort })}>
              Clear filters
            </button>
          </Empty>
        ) : q.status === 'completed' ? (
          <Empty title="Nothing done yet">
            <p>Completed tasks appear here.</p>
          </Empty>
        ) : (
          <Empty title={q.status === 'pending' ? 'All clear!' : 'No tasks yet'}>
            <p>Add a task above — a title is enough. Try “Water the plants every monday 8am”.</p>
          </Empty>
        )
      ) : (
        <ul class="tasks" id="task-list" tabIndex={-1} aria-label={heading}>
          {s.tasks.map((t) => (
            <TaskRow key={t.id} task={t} minute={minute} />
          ))}
        </ul>
      )}
      {s.next && (
        <div ref={sentinel} class="more">
          <button type="button" class="btn" onClick={() => void loadMore()} disabled={s.loading}>
            {s.totalAtLeast ? 'Load more' : `Load more (${s.total - s.tasks.length} left)`}
          </button>
        </div>
      )}
    </section>
  );
}
