/**
 * What the All-tasks list shows (search, status, filters, sort) and how it is written in its hash
 * route, e.g. `#/?status=completed&sort=priority&tag=home`: a reload, a bookmark, a shared link or
 * Back shows the same list. Only what differs from the defaults is written, so a plain list stays
 * `#/`. No DOM here: the tests run it in Node.
 */
import { PRIORITIES, type Priority } from '../../src/tasks/priorities.js';

export type StatusFilter = 'all' | 'pending' | 'completed';
export const SORTS = [
  { value: 'due_date', label: 'Due date' },
  { value: 'priority', label: 'Priority' },
  { value: 'title', label: 'Title' },
  { value: '-created_at', label: 'Newest first' },
  { value: 'created_at', label: 'Oldest first' },
  { value: '-updated_at', label: 'Recently changed' },
] as const;

export interface ListQuery {
  q: string;
  status: StatusFilter;
  priority: Priority[];
  tags: string[];
  /** local calendar dates (YYYY-MM-DD), inclusive */
  dueFrom: string;
  dueTo: string;
  overdue: boolean;
  /** 'me': only tasks assigned to the caller */
  assignee: '' | 'me';
  sort: string;
}

export const DEFAULT_QUERY: ListQuery = {
  q: '',
  status: 'pending',
  priority: [],
  tags: [],
  dueFrom: '',
  dueTo: '',
  overdue: false,
  assignee: '',
  sort: 'due_date',
};

const STATUSES: readonly string[] = ['all', 'pending', 'completed'];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The list's route for a query: `#/` plus the parts that differ from the defaults. */
export function hashOf(q: ListQuery): string {
  const p = new URLSearchParams();
  if (q.q.trim()) p.set('q', q.q.trim());
  if (q.status !== DEFAULT_QUERY.status) p.set('status', q.status);
  if (q.priority.length) p.set('priority', q.priority.join(','));
  for (const t of q.tags) p.append('tag', t);
  if (q.dueFrom) p.set('from', q.dueFrom);
  if (q.dueTo) p.set('to', q.dueTo);
  if (q.overdue) p.set('overdue', '1');
  if (q.assignee) p.set('assignee', q.assignee);
  if (q.sort !== DEFAULT_QUERY.sort) p.set('sort', q.sort);
  const s = p.toString();
  return s ? `#/?${s}` : '#/';
}

/**
 * The query in a list route (`#/?…`); null when the route carries none (plain `#/`) or is another
 * route. What it leaves out is the default; values a hand-edited link got wrong are dropped, not guessed at.
 */
export function queryOf(hash: string): ListQuery | null {
  const m = /^#?\/?\?(.*)$/.exec(hash);
  if (!m) return null;
  const p = new URLSearchParams(m[1]);
  const status = p.get('status') ?? '';
  const sort = p.get('sort') ?? '';
  const day = (k: string) => (DAY.test(p.get(k) ?? '') ? (p.get(k) as string) : '');
  const priority = (p.get('priority') ?? '').split(',').filter((x): x is Priority => (PRIORITIES as readonly string[]).includes(x));
  return {
    q: p.get('q') ?? '',
    status: STATUSES.includes(status) ? (status as StatusFilter) : DEFAULT_QUERY.status,
    priority: [...new Set(priority)],
    tags: [...new Set(p.getAll('tag').filter(Boolean))],
    dueFrom: day('from'),
    dueTo: day('to'),
    overdue: p.get('overdue') === '1' || p.get('overdue') === 'true',
    assignee: p.get('assignee') === 'me' ? 'me' : '',
    sort: SORTS.some((o) => o.value === sort) ? sort : DEFAULT_QUERY.sort,
  };
}

/** Is this hash the All-tasks list (`#/`, with or without a query)? */
export const isListRoute = (hash: string): boolean => /^(#?\/?)?(\?.*)?$/.test(hash);
