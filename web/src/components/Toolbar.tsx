import { useEffect, useRef, useState } from 'preact/hooks';
import { PRIORITIES, type Priority } from '../api';
import { DATE_MAX, DATE_MIN, DATE_RANGE_TEXT, inDateRange } from '../dates';
import { DEFAULT_QUERY, SORTS, useStore, type StatusFilter } from '../store';
import { setQuery } from '../tasks';
import { dialogOpen, typing } from '../keys';
import { Icon } from './Field';

const STATUSES: { value: StatusFilter; label: string }[] = [
  { value: 'pending', label: 'To do' },
  { value: 'completed', label: 'Done' },
  { value: 'all', label: 'All' },
];

/**
 * Search, status, sort and filters of the All-tasks list. On a phone they fold behind one button
 * (unfolded, they take ~45% of a phone's first screen), which says what is in force while folded.
 */
export function Toolbar() {
  const s = useStore();
  const q = s.query;
  const [search, setSearch] = useState(q.q);
  /** the search last sent: a query changed from outside (Back, a link) refills the field, our own echo does not */
  const sent = useRef(q.q);
  const [open, setOpen] = useState(false);
  const [unfolded, setUnfolded] = useState(false);
  /** a day outside the API's years stays in its field, said so, unapplied (typing "1999" passes through 0001) */
  const [badDates, setBadDates] = useState<{ dueFrom?: string; dueTo?: string }>({});
  const setDue = (key: 'dueFrom' | 'dueTo', value: string) => {
    const ok = value === '' || inDateRange(value);
    setBadDates((d) => ({ ...d, [key]: ok ? undefined : value }));
    if (ok) setQuery(key === 'dueFrom' ? { dueFrom: value } : { dueTo: value });
  };
  const active = q.priority.length + q.tags.length + (q.dueFrom ? 1 : 0) + (q.dueTo ? 1 : 0) + (q.overdue ? 1 : 0) + (q.assignee ? 1 : 0);

  useEffect(() => {
    if (search === q.q) return;
    const t = setTimeout(() => {
      sent.current = search;
      setQuery({ q: search });
    }, 250);
    return () => clearTimeout(t);
  }, [search]);

  useEffect(() => {
    if (q.q === sent.current) return;
    sent.current = q.q;
    setSearch(q.q);
  }, [q.q]);

  // "/" jumps to the search field (unfolding it on a phone), unless typing somewhere else
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented || typing(e.target) || dialogOpen()) return;
      e.preventDefault();
      setUnfolded(true);
      requestAnimationFrame(() => document.getElementById('search')?.focus());
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const togglePriority = (p: Priority) =>
    setQuery({ priority: q.priority.includes(p) ? q.priority.filter((x) => x !== p) : [...q.priority, p] });
  const toggleTag = (t: string) => setQuery({ tags: q.tags.includes(t) ? q.tags.filter((x) => x !== t) : [...q.tags, t] });
  const summary = [
    STATUSES.find((x) => x.value === q.status)?.label,
    SORTS.find((x) => x.value === q.sort)?.label,
    q.q.trim() && `“${q.q.trim()}”`,
    active > 0 && `${active} ${active === 1 ? 'filter' : 'filters'}`,
  ]
    .filter(Boolean)
    .join(' · ');

  return (
    <section class={`toolbar${unfolded ? ' unfolded' : ''}`} aria-label="Search, filter and sort">
      <button
        type="button"
        class="btn toolbar-fold"
        aria-expanded={unfolded}
        aria-controls="toolbar-controls"
        onClick={() => setUnfolded(!unfolded)}
        data-testid="toolbar-fold"
      >
        <Icon name="filter" size={16} />
        <span class="fold-label">Search, filter and sort</span>
        <span class="fold-summary" data-testid="toolbar-summary">
          {summary}
        </span>
        <Icon name={unfolded ? 'down' : 'right'} size={16} />
      </button>
      <div id="toolbar-controls" class="toolbar-controls">
        <div class="toolbar-row">
          <div class="search">
            <label for="search" class="sr-only">
              Search tasks
            </label>
            <input
              id="search"
              type="search"
              dir="auto"
              placeholder="Search tasks"
              aria-keyshortcuts="/"
              value={search}
              onInput={(e) => setSearch(e.currentTarget.value)}
            />
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
                      <input type="checkbox" checked={q.tags.includes(t)} onChange={() => toggleTag(t)} />
                      <span dir="auto">#{t}</span>
                    </label>
                  ))}
                </div>
              )}
            </fieldset>
            <fieldset>
              <legend>Due</legend>
              <div class="checks">
                <label class="inline">
                  From{' '}
                  <input
                    type="date"
                    min={DATE_MIN}
                    max={DATE_MAX}
                    value={badDates.dueFrom ?? q.dueFrom}
                    onChange={(e) => setDue('dueFrom', e.currentTarget.value)}
                  />
                </label>
                <label class="inline">
                  To{' '}
                  <input
                    type="date"
                    min={DATE_MIN}
                    max={DATE_MAX}
                    value={badDates.dueTo ?? q.dueTo}
                    onChange={(e) => setDue('dueTo', e.currentTarget.value)}
                  />
                </label>
                <label class="check">
                  <input type="checkbox" checked={q.overdue} onChange={(e) => setQuery({ overdue: e.currentTarget.checked })} />
                  Overdue only
                </label>
              </div>
              {(badDates.dueFrom || badDates.dueTo) && (
                <p class="field-error" role="alert">
                  Pick dates {DATE_RANGE_TEXT}.
                </p>
              )}
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
                sent.current = '';
                setQuery({ ...DEFAULT_QUERY, status: q.status, sort: q.sort });
              }}
            >
              Clear filters
            </button>
          </div>
        )}
      </div>
    </section>
  );
}
