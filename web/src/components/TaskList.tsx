import { Component, type ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Project, Task } from '../api';
import { dueState, friendlyDate, inZone } from '../dates';
import { startDrag } from '../drag';
import { moveBy, setAnnouncer } from '../projects';
import { browserZone, DEFAULT_QUERY, getState, setState, useStore, type State } from '../store';
import { createTask, loadMore, reload, setQuery, toggleComplete } from '../tasks';
import { addDays, byPosition, dayKey, dayLabel, groupUpcoming, resolveProjectId, splitToday, UPCOMING_DAYS, weekOf } from '../views';
import { prefetchEditor } from './App';
import { recurrenceText } from '../repeat-text';
import { Empty, Icon, Spinner } from './Field';
import { ProjectActions } from './ProjectDialog';
import { AssigneeBadge } from './Avatars';
import { ShareButton } from './ShareDialog';
import { isConnectionError, useRetryOnReconnect } from '../connection';

const PRIORITY_LABEL = { urgent: 'Urgent', high: 'High', medium: 'Medium', low: 'Low', none: '' } as const;

/** Subtasks nest at most 4 levels deep: depth 0 … 3. */
const MAX_DEPTH = 3;

interface RowProps {
  task: Task;
  minute: number;
  depth: number;
  /** project view: drag handle, Alt+↑/↓, add subtask, collapse */
  manual: boolean;
  /** a shared project the caller only views: no reorder, no new subtasks */
  readOnly?: boolean;
  /** undefined: no subtasks listed under it */
  expanded: boolean | undefined;
  onAddSubtask?: (id: number) => void;
  /** shown in lists that mix projects (not for the Inbox); strings, so a refreshed count re-renders no row */
  projectName?: string | undefined;
  projectColor?: string | undefined;
}

const ROW_KEYS = ['task', 'minute', 'depth', 'manual', 'readOnly', 'expanded', 'projectName', 'projectColor'] as const;

function toggleCollapsed(id: number): void {
  const { collapsed } = getState();
  const next = { ...collapsed };
  if (next[id]) delete next[id];
  else next[id] = true;
  setState({ collapsed: next });
}

/** Alt+↑/↓ anywhere in a row of a project moves it among its siblings; focus stays where it was. */
function onRowKey(e: KeyboardEvent, task: Task): void {
  if (!e.altKey || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
  e.preventDefault();
  const focused = document.activeElement as HTMLElement | null;
  moveBy(task, e.key === 'ArrowUp' ? -1 : 1);
  requestAnimationFrame(() => {
    if (focused && focused.isConnected && document.activeElement !== focused) focused.focus();
  });
}

/**
 * Focus was in a row that is going away (completed out of a To-do list with Space, deleted, or taken
 * out by a live event): it moves to the same control of the next row, else the previous one, else
 * the list, so a keyboard user keeps their place (focus would otherwise fall to <body>).
 */
function keepFocusNear(row: HTMLElement, focused: Element): void {
  const rows = [...document.querySelectorAll<HTMLElement>('[data-testid="task-row"]')];
  const item = row.closest('li') ?? row;
  const at = rows.indexOf(row);
  const staying = rows.filter((r) => !item.contains(r));
  const candidates = [...staying.filter((r) => rows.indexOf(r) > at), ...staying.filter((r) => rows.indexOf(r) < at).reverse()];
  const control = focused.classList.contains('task-title') ? '.task-title' : '.complete';
  requestAnimationFrame(() => {
    if (document.activeElement && document.activeElement !== document.body) return; // focus went somewhere on purpose
    const next = candidates.find((r) => r.isConnected)?.querySelector<HTMLElement>(control);
    (next ?? document.getElementById('task-list') ?? document.getElementById('main'))?.focus();
  });
}

/** One row; re-renders only when its task object (or the clock minute, or its place) changes. */
class TaskRow extends Component<RowProps> {
  private el: HTMLDivElement | null = null;
  private setEl = (el: HTMLDivElement | null) => void (this.el = el);

  override shouldComponentUpdate(next: RowProps) {
    return ROW_KEYS.some((k) => next[k] !== this.props[k]);
  }

  override componentWillUnmount() {
    const focused = document.activeElement;
    if (this.el && focused && this.el.contains(focused)) keepFocusNear(this.el, focused);
  }

  override render({ task: t, depth, manual, readOnly, expanded, onAddSubtask, projectName, projectColor }: RowProps) {
    const reorder = manual && !readOnly;
    const due = dueState(t.due_date, t.completed);
    const cls = `task${t.completed ? ' done' : due === 'overdue' ? ' overdue' : due === 'today' ? ' today' : ''}`;
    const zoneNote = t.due_date && t.timezone !== browserZone() ? inZone(t.due_date, t.timezone) : undefined;
    const subs = t.subtask_count ?? 0;
    return (
      <div
        ref={this.setEl}
        class={cls}
        data-testid="task-row"
        data-task-id={t.id}
        style={depth ? { '--depth': depth } : undefined}
        onKeyDown={reorder ? (e) => onRowKey(e, t) : undefined}
      >
        {reorder && (
          <button
            type="button"
            class="icon-btn small drag-handle"
            aria-label={`Reorder “${t.title}”`}
            aria-describedby="reorder-help"
            title="Drag to reorder (or Alt+↑/↓)"
            onPointerDown={(e) => startDrag(e, t)}
          >
            <Icon name="grip" size={16} />
          </button>
        )}
        {manual &&
          (expanded === undefined ? (
            <span class="twisty" aria-hidden="true" />
          ) : (
            <button
              type="button"
              class="icon-btn small twisty"
              aria-expanded={expanded}
              aria-label={`Subtasks of “${t.title}”`}
              onClick={() => toggleCollapsed(t.id)}
            >
              <Icon name={expanded ? 'down' : 'right'} size={16} />
            </button>
          ))}
        {/* the label is the checkbox's 44 px touch target */}
        <label class="complete-hit">
          <input
            type="checkbox"
            class="complete"
            checked={t.completed}
            onChange={() => void toggleComplete(t)}
            aria-label={`${t.completed ? 'Mark not done' : 'Complete'}: ${t.title}`}
          />
        </label>
        <div class="task-body">
          <a class="task-title" href={`#/tasks/${t.id}`} dir="auto">
            {t.title}
          </a>
          <div class="meta">
            {subs > 0 && (
              <span class="progress" data-testid="progress" title={`${t.completed_subtask_count} of ${subs} subtasks done`}>
                <Icon name="subtasks" size={14} />
                {t.completed_subtask_count}/{subs}
                <span class="sr-only"> subtasks done</span>
              </span>
            )}
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
            <AssigneeBadge task={t} />
            {t.tags.map((tag) => (
              <span class="tag" key={tag} dir="auto">
                #{tag}
              </span>
            ))}
            {projectName && (
              <span class="in-project">
                <span class="swatch" style={{ background: projectColor }} aria-hidden="true" />
                <span class="sr-only">Project: </span>
                <span dir="auto">{projectName}</span>
              </span>
            )}
          </div>
        </div>
        {reorder && depth < MAX_DEPTH && onAddSubtask && (
          <button
            type="button"
            class="icon-btn"
            aria-label={`Add subtask to “${t.title}”`}
            title="Add subtask"
            onClick={() => onAddSubtask(t.id)}
          >
            <Icon name="plus" />
          </button>
        )}
        <a class="icon-btn" href={`#/tasks/${t.id}/history`} aria-label={`History of ${t.title}`} title="History">
          <Icon name="history" />
        </a>
      </div>
    );
  }
}

/** The inline "add subtask" field under a row: Enter adds (and stays for the next one), Escape closes. */
function AddSubtask({ parent, onDone }: { parent: Task; onDone: () => void }) {
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string | undefined>();
  useRetryOnReconnect(isConnectionError(error), () => setError(undefined));
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const close = () => {
    onDone();
    requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-task-id="${parent.id}"] .task-title`)?.focus());
  };
  async function submit(e: Event) {
    e.preventDefault();
    if (!title.trim() || busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await createTask({ title: title.trim(), parent_id: parent.id, project_id: parent.project_id });
      setTitle('');
      if (getState().collapsed[parent.id]) toggleCollapsed(parent.id);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
      input.current?.focus();
    }
  }
  const id = `sub-${parent.id}`;
  return (
    <form class="add-subtask" onSubmit={submit} onKeyDown={(e) => e.key === 'Escape' && (e.preventDefault(), close())}>
      <label for={id} class="sr-only">
        Subtask of “{parent.title}”
      </label>
      <input
        id={id}
        ref={input}
        value={title}
        maxLength={200}
        placeholder="Subtask title"
        autocomplete="off"
        onInput={(e) => setTitle(e.currentTarget.value)}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${id}-err` : undefined}
      />
      <button class="btn small primary" type="submit" disabled={busy || !title.trim()}>
        Add
      </button>
      <button class="btn small ghost" type="button" onClick={close}>
        Done
      </button>
      {error && (
        <p class="field-error" id={`${id}-err`} role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** A project's tasks as a tree: subtasks under their parent, each level in manual order. */
function TaskTree({ tasks, minute, label, readOnly }: { tasks: Task[]; minute: number; label: string; readOnly: boolean }) {
  const { collapsed } = useStore();
  const [adding, setAdding] = useState<number | null>(null);
  const onAddSubtask = useCallback((id: number) => setAdding(id), []);
  const ids = new Set(tasks.map((t) => t.id));
  const kids = new Map<number | null, Task[]>();
  for (const t of tasks) {
    const p = t.parent_id !== null && ids.has(t.parent_id) ? t.parent_id : null;
    kids.set(p, [...(kids.get(p) ?? []), t]);
  }
  for (const list of kids.values()) list.sort(byPosition);

  const level = (parent: number | null, depth: number): ComponentChildren =>
    (kids.get(parent) ?? []).map((t) => {
      const children = kids.get(t.id);
      const expanded = children ? !collapsed[t.id] : undefined;
      return (
        <li key={t.id} data-id={t.id}>
          <TaskRow task={t} minute={minute} depth={depth} manual readOnly={readOnly} expanded={expanded} onAddSubtask={onAddSubtask} />
          {adding === t.id && <AddSubtask parent={t} onDone={() => setAdding(null)} />}
          {children && expanded && (
            <ul class="subtasks" aria-label={`Subtasks of ${t.title}`}>
              {level(t.id, depth + 1)}
            </ul>
          )}
        </li>
      );
    });

  return (
    <ul class="tasks" id="task-list" tabIndex={-1} aria-label={label}>
      {level(null, 0)}
    </ul>
  );
}

function FlatList({ tasks, minute, label, id }: { tasks: Task[]; minute: number; label?: string; id?: string }) {
  const { projects } = useStore();
  const named = new Map(projects.filter((p) => !p.inbox).map((p) => [String(p.id), p]));
  return (
    <ul class="tasks" id={id} tabIndex={id ? -1 : undefined} aria-label={label}>
      {tasks.map((t) => {
        const p = named.get(String(t.project_id));
        return (
          <li key={t.id} data-id={t.id}>
            <TaskRow task={t} minute={minute} depth={0} manual={false} expanded={undefined} projectName={p?.name} projectColor={p?.color} />
          </li>
        );
      })}
    </ul>
  );
}

function weekTitle(week: string, thisWeek: string): string {
  if (week === thisWeek) return 'This week';
  if (week === addDays(thisWeek, 7)) return 'Next week';
  return `Week of ${dayLabel(week, { day: 'numeric', month: 'short' })}`;
}

function dayTitle(key: string, today: string): string {
  const label = dayLabel(key);
  if (key === today) return `Today · ${label}`;
  if (key === addDays(today, 1)) return `Tomorrow · ${label}`;
  return label;
}

/** Upcoming: weeks (starting on the user's week start) of days, every day shown, in the user's zone. */
function UpcomingList({ s, minute }: { s: State; minute: number }) {
  const days = s.view.kind === 'upcoming' ? s.view.days : 7;
  const now = new Date(minute * 60000 + 59999);
  const today = dayKey(now, s.timezone);
  const weeks = groupUpcoming(s.tasks, days, s.timezone, s.weekStart, now);
  const thisWeek = weekOf(today, s.weekStart);
  return (
    <div id="task-list" tabIndex={-1} class="upcoming">
      {weeks.map((w) => (
        <section key={w.key} class="week" data-testid="week-group" data-week={w.key} aria-labelledby={`w-${w.key}`}>
          <h2 id={`w-${w.key}`} class="week-title">
            {weekTitle(w.key, thisWeek)}
          </h2>
          {w.days.map((d) => (
            <section key={d.key} class="day-group" data-testid="day-group" data-day={d.key} aria-labelledby={`d-${d.key}`}>
              <h3 id={`d-${d.key}`} class={`day-title${d.key === today ? ' is-today' : ''}`}>
                {dayTitle(d.key, today)}
                {d.tasks.length > 0 && <span class="day-count"> · {d.tasks.length}</span>}
              </h3>
              {d.tasks.length ? (
                <FlatList tasks={d.tasks} minute={minute} label={dayTitle(d.key, today)} />
              ) : (
                <p class="day-empty">Nothing planned</p>
              )}
            </section>
          ))}
        </section>
      ))}
    </div>
  );
}

function TodayList({ s, minute }: { s: State; minute: number }) {
  const now = new Date(minute * 60000);
  const { overdue, today } = splitToday(s.tasks, s.timezone, now);
  const todayLabel = `Today · ${dayLabel(dayKey(now, s.timezone))}`;
  return (
    <div id="task-list" tabIndex={-1} class="today-view">
      {overdue.length > 0 && (
        <section class="day-group" data-testid="day-group" data-day="overdue" aria-labelledby="g-overdue">
          <h2 id="g-overdue" class="day-title overdue-title">
            Overdue <span class="day-count">· {overdue.length}</span>
          </h2>
          <FlatList tasks={overdue} minute={minute} label="Overdue" />
        </section>
      )}
      <section class="day-group" data-testid="day-group" data-day="today" aria-labelledby="g-today">
        <h2 id="g-today" class="day-title is-today">
          {todayLabel}
        </h2>
        {today.length ? <FlatList tasks={today} minute={minute} label={todayLabel} /> : <p class="day-empty">Nothing else due today.</p>}
      </section>
    </div>
  );
}

function heading(s: State, project: Project | undefined): string {
  switch (s.view.kind) {
    case 'project':
      return project?.name ?? (s.view.id === 'inbox' ? 'Inbox' : 'Project');
    case 'today':
      return 'Today';
    case 'upcoming':
      return 'Upcoming';
    default:
      return s.query.status === 'pending' ? 'To do' : s.query.status === 'completed' ? 'Done' : 'All tasks';
  }
}

export function TaskList() {
  const s = useStore();
  const [minute, setMinute] = useState(() => Math.floor(Date.now() / 60000));
  const [announcement, setAnnouncement] = useState('');
  const sentinel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const t = setInterval(() => setMinute(Math.floor(Date.now() / 60000)), 15000);
    return () => clearInterval(t);
  }, []);

  useEffect(() => {
    if (s.loaded) setTimeout(prefetchEditor, 300);
  }, [s.loaded]);

  useEffect(() => {
    setAnnouncer(setAnnouncement);
    return () => setAnnouncer(() => {});
  }, []);

  // infinite scroll: the next page loads when the end of the list comes into view
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !s.next) return;
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && void loadMore(), { rootMargin: '400px' });
    io.observe(el);
    return () => io.disconnect();
  }, [s.next, s.tasks.length]);

  const v = s.view;
  const q = s.query;
  const projectId = v.kind === 'project' ? resolveProjectId(v, s.projects) : null;
  const project = projectId === null ? undefined : s.projects.find((p) => String(p.id) === projectId);
  const missing = v.kind === 'project' && s.projectsLoaded && !project;
  const filtered = v.kind === 'all' && (q.q || q.priority.length || q.tags.length || q.dueFrom || q.dueTo || q.overdue);
  const title = heading(s, project);

  let body: ComponentChildren;
  if (!s.online && !s.loaded) {
    // opened offline (the service worker's shell): the banner above says why, this says what to expect
    body = (
      <Empty title="Your tasks will show when you’re back online">
        <p>Tasks are not kept on this device, so there is nothing to show until then.</p>
      </Empty>
    );
  } else if (missing) {
    body = (
      <Empty title="This project does not exist (any more)">
        <a class="btn" href="#/inbox">
          Go to the Inbox
        </a>
      </Empty>
    );
  } else if (v.kind === 'upcoming') {
    body = s.loaded ? <UpcomingList s={s} minute={minute} /> : null;
  } else if (v.kind === 'today') {
    body = s.loaded ? (
      s.tasks.length ? (
        <TodayList s={s} minute={minute} />
      ) : (
        <Empty title="Nothing due today">
          <p>Enjoy the day — or plan one in Upcoming.</p>
        </Empty>
      )
    ) : null;
  } else if (s.loaded && s.tasks.length === 0 && !s.loading) {
    body = filtered ? (
      <Empty title="No tasks match these filters">
        <button type="button" class="btn" onClick={() => setQuery({ ...DEFAULT_QUERY, status: q.status, sort: q.sort })}>
          Clear filters
        </button>
      </Empty>
    ) : v.kind === 'all' && q.status === 'completed' ? (
      <Empty title="Nothing done yet">
        <p>Completed tasks appear here.</p>
      </Empty>
    ) : (
      <Empty title={v.kind === 'project' || q.status === 'pending' ? 'All clear!' : 'No tasks yet'}>
        <p>Add a task above — a title is enough. Try “Water the plants every monday 8am”.</p>
      </Empty>
    );
  } else if (v.kind === 'project') {
    body = <TaskTree tasks={s.tasks} minute={minute} label={title} readOnly={project?.role === 'viewer'} />;
  } else {
    body = <FlatList tasks={s.tasks} minute={minute} label={title} id="task-list" />;
  }

  return (
    <section class="list" aria-labelledby="list-heading">
      <div class="list-head">
        {project && <span class="swatch" style={{ background: project.color }} aria-hidden="true" />}
        <h1 id="list-heading" dir="auto">
          {title}
        </h1>
        {project?.archived && <span class="pill warn">Archived</span>}
        <span class="total" aria-live="polite" data-testid="total">
          {s.loaded && !missing ? `${s.total}${s.totalAtLeast ? '+' : ''} ${s.total === 1 ? 'task' : 'tasks'}` : ''}
        </span>
        {s.loading && <Spinner label="Loading tasks" />}
        <span class="spacer" />
        {v.kind === 'upcoming' && (
          <label class="inline days-pick">
            Show{' '}
            <select value={String(v.days)} onChange={(e) => (location.hash = `#/upcoming/${e.currentTarget.value}`)}>
              {UPCOMING_DAYS.map((d) => (
                <option key={d} value={String(d)}>
                  {d} days
                </option>
              ))}
            </select>
          </label>
        )}
        {project && !project.inbox && <ShareButton project={project} />}
        {project && !project.inbox && project.role === 'owner' && <ProjectActions project={project} />}
      </div>
      {v.kind === 'project' && project?.role !== 'viewer' && (
        <p id="reorder-help" class="sr-only">
          To reorder, focus a task and press Alt+Up or Alt+Down, or drag its handle.
        </p>
      )}
      <p class="sr-only" aria-live="assertive" data-testid="announcer">
        {announcement}
      </p>
      {s.loadError && s.online && !missing && (
        <div class="form-error" role="alert">
          Could not load tasks: {s.loadError}{' '}
          <button type="button" class="btn small" onClick={() => void reload()}>
            Retry
          </button>
        </div>
      )}
      {body}
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
