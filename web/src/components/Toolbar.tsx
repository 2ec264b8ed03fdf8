import { useEffect, useState } from 'preact/hooks';
import { PRIORITIES, type Priority } from '../api';
import { DEFAULT_QUERY, SORTS, useStore, type StatusFilter } from '../store';
import { setQuery } from '../tasks';
import { Icon } from './Field';

const STATUSES: { value: StatusFilter; label: string }[] = [
  { value: 'pending', label: 'To do' },
  { value: 'completed', label: 'Done' },
  { value: 'all', label: 'All' },
];

export function Toolbar() {
  const s = useStore();
  const q = s.query;
  const [search, setSearch] = useState(q.q);
  const [open, setOpen] = useState(false);
  const active = q.priority.length + q.tags.length + (q.dueFrom ? 1 : 0) + (q.dueTo ? 1 : 0) + (q.overdue ? 1 : 0) + (q.assignee ? 1 : 0);

  useEffect(() => {
    if (search === q.q) return;
    const t = setTimeout(() => setQuery({ q: search }), 250);
    return () => clearTimeout(t);
  }, [search]);

  const togglePriority = (p: Priority) =>
    setQuery({ priority: q.priority.includes(p) ? q.priority.filter((x) => x !== p) : [...q.priority, p] });
  const toggleTag = (t: string) => setQuery({ tags: q.tags.includes(t) ? q.tags.filter((x) => x !== t) : [...q.tags, t] });

  return (
    <section class="toolbar" aria-label="Search, filter and sort">
      <div class="toolbar-row">
        <div class="search">
          <label for="search" class="sr-only">
            Search tasks
          </label>
          <input id="search" type="search" placeholder="Search tasks" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        </div>
        <div class="segmented" role="radiogroup" aria-label="Status">
          {STATUSES.map((st) => (
            <label key={st.value} class={q.status === st.value ? 'on' : ''}>
              <input
                type="radio"
                name="status"
                value={st.value}
                checked={q.status === st.value}
                onChange={() => setQuery({ status: st.value })}
              />
              {st.label}
            </label>
          ))}
        </div>
        <div class="sort">
          <label for="sort">Sort</label>
          <select id="sort" value={q.sort} onChange={(e) => setQuery({ sort: e.currentTarget.value })}>
            {SORTS.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </div>
        <button
          type="button"
          class="btn"
          aria-expanded={open}
          aria-controls="filters"
          onClick={() => setOpen(!open)}
          data-testid="filters-toggle"
        >
          <Icon name="filter" size={16} /> Filters{active > 0 && <span class="count"> ({active})</span>}
        </button>
      </div>
      {open && (
        <div id="filters" class="filters" data-testid="filters">
          <fieldset>
            <legend>Priority</legend>
            <div class="checks">
              {[...PRIORITIES].reverse().map((p) => (
                <label key={p} class="check">
                  <input type="checkbox" checked={q.priority.includes(p)} onChange={() => togglePriority(p)} />
                  {p === 'none' ? 'No priority' : p[0]?.toUpperCase() + p.slice(1)}
                </label>
              ))}
            </div>
          </fieldset>
          <fieldset>
            <legend>Tags</legend>
            {s.knownTags.length === 0 ? (
              <p class="hint">No tags yet.</p>
            ) : (
              <div class="checks">
                {s.knownTags.map((t) => (
                  <label key={t} class="check">
                    <input type="checkbox" checked={q.tags.includes(t)} onChange={() => toggleTag(t)} />#{t}
                  </label>
                ))}
              </div>
            )}
          </fieldset>
          <fieldset>
            <legend>Due</legend>
            <div class="checks">
              <label class="inline">
                From <input type="date" value={q.dueFrom} onChange={(e) => setQuery({ dueFrom: e.currentTarget.value })} />
              </label>
              <label class="inline">
                To <input type="date" value={q.dueTo} onChange={(e) => setQuery({ dueTo: e.currentTarget.value })} />
              </label>
              <label class="check">
                <input type="checkbox" checked={q.overdue} onChange={(e) => setQuery({ overdue: e.currentTarget.checked })} />
                Overdue only
              </label>
            </div>
          </fieldset>
          <fieldset>
            <legend>People</legend>
            <label class="check">
              <input
                type="checkbox"
                checked={q.assignee === 'me'}
                onChange={(e) => setQuery({ assignee: e.currentTarget.checked ? 'me' : '' })}
              />
              Assigned to me
            </label>
          </fieldset>
          <button
            type="button"
            class="btn ghost"
            disabled={active === 0 && !q.q}
            onClick={() => {
              setSearch('');
              setQuery({ ...DEFAULT_QUERY, status: q.status, sort: q.sort });
            }}
          >
            Clear filters
          </button>
        </div>
      )}
    </section>
  );
}
