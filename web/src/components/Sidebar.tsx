import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Project } from '../api';
import { createProject, PROJECT_COLORS } from '../projects';
import { setState, useStore, type State } from '../store';
import { resolveProjectId } from '../views';
import { describedBy, errId, FieldError, Icon } from './Field';
import { isConnectionError, useRetryOnReconnect } from '../connection';

/** Is this sidebar link the current view? (aria-current="page") */
function current(s: State, href: string): boolean {
  const v = s.view;
  if (href === '#/inbox') return v.kind === 'project' && resolveProjectId(v, s.projects) === String(s.projects.find((p) => p.inbox)?.id);
  if (href === '#/today') return v.kind === 'today';
  if (href === '#/upcoming') return v.kind === 'upcoming';
  if (href === '#/settings') return v.kind === 'settings';
  if (href === '#/') return v.kind === 'all';
  return v.kind === 'project' && href === `#/projects/${encodeURIComponent(resolveProjectId(v, s.projects) ?? '')}`;
}

const Count = ({ n, label }: { n: number | null | undefined; label: string }) =>
  n ? (
    <span class="nav-count" title={`${n} ${label}`}>
      {n}
      <span class="sr-only"> {label}</span>
    </span>
  ) : null;

function NavLink({
  s,
  href,
  icon,
  text,
  count,
}: {
  s: State;
  href: string;
  icon: 'inbox' | 'today' | 'upcoming' | 'list' | 'gear';
  text: string;
  count?: number | null;
}) {
  return (
    <li>
      <a href={href} class="nav-link" aria-current={current(s, href) ? 'page' : undefined}>
        <Icon name={icon} size={18} />
        <span class="nav-text">{text}</span>
        <Count n={count} label="open tasks" />
      </a>
    </li>
  );
}

function ProjectLink({ s, p }: { s: State; p: Project }) {
  const href = `#/projects/${encodeURIComponent(p.id)}`;
  return (
    <li>
      <a href={href} class="nav-link" aria-current={current(s, href) ? 'page' : undefined} data-testid="project-link">
        <span class="swatch" style={{ background: p.color }} aria-hidden="true" />
        <span class="nav-text" dir="auto">
          {p.name}
        </span>
        <Count n={p.open_task_count} label="open tasks" />
      </a>
    </li>
  );
}

function NewProject({ onDone, nextColor }: { onDone: () => void; nextColor: string }) {
  const [name, setName] = useState('');
  const [color, setColor] = useState(nextColor);
  const [error, setError] = useState<ApiError | null>(null);
  useRetryOnReconnect(isConnectionError(error), () => setError(null));
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  async function submit(e: Event) {
    e.preventDefault();
    if (!name.trim() || busy) return;
    setBusy(true);
    setError(null);
    try {
      const p = await createProject({ name: name.trim(), color });
      onDone();
      location.hash = `#/projects/${encodeURIComponent(p.id)}`;
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
      setBusy(false);
    }
  }
  const msg = (f: string) => error?.fieldMessage(f) ?? (f === 'name' && error && !error.fields.length ? error.message : undefined);
  return (
    <form
      class="new-project"
      onSubmit={submit}
      onKeyDown={(e) => {
        if (e.key !== 'Escape') return;
        e.stopPropagation();
        onDone();
        document.getElementById('add-project')?.focus();
      }}
      aria-label="New project"
    >
      <label for="np-name" class="sr-only">
        Project name
      </label>
      <input
        id="np-name"
        ref={input}
        value={name}
        maxLength={100}
        placeholder="Project name"
        autocomplete="off"
        onInput={(e) => setName(e.currentTarget.value)}
        {...describedBy('np-name', msg('name'))}
      />
      <label for="np-color" class="sr-only">
        Project color
      </label>
      <input id="np-color" type="color" value={color} onInput={(e) => setColor(e.currentTarget.value)} />
      <button class="btn small primary" type="submit" disabled={busy || !name.trim()}>
        Add
      </button>
      <FieldError id={errId('np-name')} message={msg('name')} />
    </form>
  );
}

/**
 * Views and projects. A column beside the list on wide screens; on phones a drawer opened from
 * the header's menu button: a modal (focus kept inside, Escape closes, focus returns to the button).
 */
export function Sidebar() {
  const s = useStore();
  const [adding, setAdding] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const inbox = s.projects.find((p) => p.inbox);
  const active = s.projects.filter((p) => !p.inbox && !p.archived);
  const archived = s.projects.filter((p) => p.archived);

  useEffect(() => {
    if (!s.drawer) return;
    const el = ref.current;
    el?.querySelector<HTMLElement>('a[href], button')?.focus();
    const close = () => {
      setState({ drawer: false });
      document.getElementById('menu-button')?.focus();
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        close();
      } else if (e.key === 'Tab' && el) {
        const items = [...el.querySelectorAll<HTMLElement>('a[href], button:not([disabled]), input:not([disabled]), summary')].filter(
          (x) => x.offsetParent !== null,
        );
        const [a, z] = [items[0], items[items.length - 1]];
        if (e.shiftKey && (document.activeElement === a || !el.contains(document.activeElement))) {
          e.preventDefault();
          z?.focus();
        } else if (!e.shiftKey && (document.activeElement === z || !el.contains(document.activeElement))) {
          e.preventDefault();
          a?.focus();
        }
      }
    };
    document.addEventListener('keydown', onKey);
    document.body.classList.add('drawer-open');
    return () => {
      document.removeEventListener('keydown', onKey);
      document.body.classList.remove('drawer-open');
    };
  }, [s.drawer]);

  return (
    <>
      {s.drawer && <div class="drawer-backdrop" onClick={() => setState({ drawer: false })} aria-hidden="true" />}
      <div
        ref={ref}
        id="sidebar"
        class={`sidebar${s.drawer ? ' open' : ''}`}
        role={s.drawer ? 'dialog' : undefined}
        aria-modal={s.drawer ? 'true' : undefined}
        aria-label={s.drawer ? 'Menu' : undefined}
      >
        {s.drawer && (
          <button type="button" class="icon-btn drawer-close" aria-label="Close menu" onClick={() => setState({ drawer: false })}>
            <Icon name="close" />
          </button>
        )}
        <nav aria-label="Views">
          <ul class="nav">
            <NavLink s={s} href="#/inbox" icon="inbox" text="Inbox" count={inbox?.open_task_count} />
            <NavLink s={s} href="#/today" icon="today" text="Today" count={s.todayCount} />
            <NavLink s={s} href="#/upcoming" icon="upcoming" text="Upcoming" />
            <NavLink s={s} href="#/" icon="list" text="All tasks" />
          </ul>
        </nav>
        <nav aria-labelledby="projects-heading" class="projects-nav">
          <div class="nav-head">
            <h2 id="projects-heading">Projects</h2>
            <button
              type="button"
              class="icon-btn small"
              id="add-project"
              aria-label="Add project"
              aria-expanded={adding}
              aria-controls="new-project"
              onClick={() => setAdding(!adding)}
            >
              <Icon name="plus" size={18} />
            </button>
          </div>
          <div id="new-project">
            {adding && (
              <NewProject onDone={() => setAdding(false)} nextColor={PROJECT_COLORS[s.projects.length % PROJECT_COLORS.length] as string} />
            )}
          </div>
          {active.length > 0 ? (
            <ul class="nav">
              {active.map((p) => (
                <ProjectLink key={p.id} s={s} p={p} />
              ))}
            </ul>
          ) : (
            s.projectsLoaded && !adding && <p class="hint nav-hint">No projects yet.</p>
          )}
          {archived.length > 0 && (
            <details class="archived">
              <summary>Archived ({archived.length})</summary>
              <ul class="nav">
                {archived.map((p) => (
                  <ProjectLink key={p.id} s={s} p={p} />
                ))}
              </ul>
            </details>
          )}
        </nav>
        <ul class="nav nav-foot">
          <NavLink s={s} href="#/settings" icon="gear" text="Settings" />
        </ul>
      </div>
    </>
  );
}
