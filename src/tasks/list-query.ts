/**
 * Task listing: filters, keyword search, sort and keyset pagination. The cursor is opaque to
 * clients (base64url JSON of the last row's sort value and id), so pages stay stable while
 * tasks are added and the query stays an index range scan at any depth.
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Db } from '../db/types.js';
import { PLAN_PER_EXECUTION } from '../db/connect.js';
import { ValidationError } from '../errors.js';
import { PRIORITIES, type Priority } from './model.js';
import { priorityRank } from './mapper.js';
import { listScope } from '../projects/access.js';
import type { ViewQuery, Window } from './organize.js';
import { isoTimestamp, taskColumns, taskText } from './task-json.js';

export const SORT_FIELDS = ['due_date', 'priority', 'title', 'created_at', 'updated_at', 'position'] as const;
export type SortField = (typeof SORT_FIELDS)[number];

export interface ListFilter {
  q?: string | undefined;
  status?: 'all' | 'pending' | 'completed' | undefined;
  priority?: Priority[] | undefined;
  tags?: string[] | undefined;
  dueFrom?: Date | undefined;
  dueTo?: Date | undefined;
  overdue?: boolean | undefined;
  projectId?: number | undefined;
  /** children of this task */
  parentId?: number | undefined;
  /** tasks without a parent */
  topLevel?: boolean | undefined;
  /** assigned to this user id, or (null) to nobody */
  assignee?: string | null | undefined;
  /** view=today|upcoming, resolved by the service into `window` (it needs the user's zone) */
  view?: ViewQuery | undefined;
  window?: Window | undefined;
}

export interface ListQuery extends ListFilter {
  sort: SortField;
  descending: boolean;
  limit: number;
  cursor?: string | undefined;
}

export interface ListPage {
  /** the page as a JSON array of tasks (task-json.ts renders them) */
  json: string;
  /** how many tasks match, counted up to TOTAL_CAP + 1 */
  total: number;
  /** more than TOTAL_CAP match: `total` is a lower bound */
  totalCapped: boolean;
  nextCursor: string | null;
}

/**
 * The total is counted up to here. A full count reads every matching index entry (10k tasks:
 * ~1.6 ms of PostgreSQL CPU, ten times the 50-row page it accompanies); capped, it costs about
 * as much as the page, and a list that long is paged or filtered, not counted by its reader.
 */
export const TOTAL_CAP = 1000;

interface Cursor {
  s: string;
  v: string | number | null;
  id: number;
}

/** `sort=priority` ranks urgent first, so its natural direction is descending rank. */
const columnDescending = (q: ListQuery): boolean => (q.sort === 'priority' ? !q.descending : q.descending);

export function parseSort(raw: string | undefined): { sort: SortField; descending: boolean } {
  const value = raw ?? 'created_at';
  const descending = value.startsWith('-');
  const field = descending ? value.slice(1) : value;
  if (!(SORT_FIELDS as readonly string[]).includes(field)) {
    throw new ValidationError([{ field: 'sort', message: `must be one of ${SORT_FIELDS.join('|')}, optionally prefixed with -` }]);
  }
  return { sort: field as SortField, descending };
}

export function parsePriorities(raw: string | undefined): Priority[] | undefined {
  if (!raw) return undefined;
  const list = raw
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean);
  const bad = list.filter((p) => !(PRIORITIES as readonly string[]).includes(p));
  if (bad.length)
    throw new ValidationError([{ field: 'priority', message: `unknown priority ${bad.join(', ')}; use ${PRIORITIES.join('|')}` }]);
  return list as Priority[];
}

/** Escape LIKE wildcards so a search for "50%" or "a_b" matches literally. */
export const likePattern = (q: string): string => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * A keyword search of an account with at least this many tasks goes through the trigram index
 * (migration 0004); a smaller one filters the user's own rows. The GIN scan intersects the
 * posting lists of the word's trigrams over every user, so for a common word it costs 2.5-3.5 ms
 * whatever the account's size, while filtering a 100-task account costs ~0.2 ms; for a 30k-task
 * account the filter costs 100+ ms and the index 0.35 ms. The planner cannot tell the two apart
 * (it estimates both conditions of the index as selective), so the query says which it means.
 */
export const TRIGRAM_SEARCH_FROM = 2000;

/** Whether the user has at least TRIGRAM_SEARCH_FROM tasks (an index-only count that stops there). */
async function largeAccount(db: Db, userId: string): Promise<boolean> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*) AS n FROM (SELECT 1 FROM tasks WHERE user_id = ${userId} LIMIT ${TRIGRAM_SEARCH_FROM}) t`.execute(db);
  return Number(rows[0]?.n) >= TRIGRAM_SEARCH_FROM;
}

/**
 * The keyword condition. Matching the index's expression `title || ' ' || description` lets the
 * planner use the trigram index; the same text with `|| ''` appended matches nothing indexed, so
 * a small account's search filters its own rows (found through its btree indexes).
 */
function keywordCondition(q: string, trigram: boolean): Expression<SqlBool> {
  return trigram
    ? sql<SqlBool>`(title || ' ' || description) ILIKE ${likePattern(q)}`
    : sql<SqlBool>`(title || ' ' || description || '') ILIKE ${likePattern(q)}`;
}

function filterConditions(scope: Expression<SqlBool>, f: ListFilter, now: Date, trigram: boolean): Expression<SqlBool>[] {
  const c: Expression<SqlBool>[] = [scope];
  if (f.q) c.push(keywordCondition(f.q, trigram));
  if (f.status === 'pending') c.push(sql<SqlBool>`completed = false`);
  if (f.status === 'completed') c.push(sql<SqlBool>`completed = true`);
  if (f.priority?.length) c.push(sql<SqlBool>`priority IN (${sql.join(f.priority.map(priorityRank))})`);
  if (f.tags?.length) c.push(sql<SqlBool>`tags @> ARRAY[${sql.join(f.tags)}]::text[]`);
  if (f.dueFrom) c.push(sql<SqlBool>`due_date >= ${f.dueFrom}`);
  if (f.dueTo) c.push(sql<SqlBool>`due_date <= ${f.dueTo}`);
  if (f.overdue) c.push(sql<SqlBool>`(completed = false AND due_date < ${now})`);
  if (f.projectId !== undefined) c.push(sql<SqlBool>`project_id = ${f.projectId}`);
  if (f.parentId !== undefined) c.push(sql<SqlBool>`parent_id = ${f.parentId}`);
  if (f.topLevel) c.push(sql<SqlBool>`parent_id IS NULL`);
  if (f.assignee === null) c.push(sql<SqlBool>`assignee_id IS NULL`);
  else if (f.assignee !== undefined) c.push(sql<SqlBool>`assignee_id = ${f.assignee}`);
  if (f.window) {
    // open tasks only, like the overdue filter: the partial index tasks_user_open_due answers it
    c.push(sql<SqlBool>`(completed = false AND due_date < ${f.window.before})`);
    if (f.window.from) c.push(sql<SqlBool>`due_date >= ${f.window.from}`);
  }
  return c;
}

function decodeCursor(raw: string, sort: SortField): Cursor {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Cursor;
    if (c.s === sort && Number.isInteger(c.id)) return c;
  } catch {
    /* fall through to the validation error */
  }
  throw new ValidationError([{ field: 'cursor', message: 'invalid or belongs to another sort order; start again without it' }]);
}

const DATE_SORTS: readonly SortField[] = ['due_date', 'created_at', 'updated_at'];

/** The sort column as the cursor holds it: timestamps as ISO text, like the API shows them. */
const cursorColumn = (sort: SortField) => (DATE_SORTS.includes(sort) ? isoTimestamp(sort) : sql.ref(sort));

/** Rows strictly after the cursor in (sort column, id) order; due_date sorts nulls last both ways. */
function afterCursor(c: Cursor, sort: SortField, desc: boolean): Expression<SqlBool> {
  const col = sql.ref(sort);
  const cmp = sql.raw(desc ? '<' : '>');
  const value = DATE_SORTS.includes(sort) ? (c.v === null ? null : new Date(String(c.v))) : c.v;
  if (sort === 'due_date' && value === null) return sql<SqlBool>`(due_date IS NULL AND id ${cmp} ${c.id})`;
  const base = sql<SqlBool>`(${col} ${cmp} ${value} OR (${col} = ${value} AND id ${cmp} ${c.id}))`;
  return sort === 'due_date' ? sql<SqlBool>`(${base} OR due_date IS NULL)` : base;
}

const and = (conditions: Expression<SqlBool>[]) => sql.join(conditions, sql` AND `);

/** How many tasks match, counted up to TOTAL_CAP + 1 (index-only through tasks_user_project). */
const cappedCount = (where: Expression<SqlBool>[]) =>
  sql<number>`(SELECT count(*) FROM (SELECT 1 FROM tasks WHERE ${and(where)} LIMIT ${TOTAL_CAP + 1}) capped)::int`;

interface PageRow {
  id: number;
  cursor_v: string | number | null;
  json: string;
  counts: string;
  total: number;
}

export async function listTasks(db: Db, userId: string, q: ListQuery, now: Date): Promise<ListPage> {
  const [scope, trigram] = await Promise.all([listScope(db, userId), q.q ? largeAccount(db, userId) : false]);
  const where = filterConditions(scope, q, now, trigram);
  const desc = columnDescending(q);
  const page = q.cursor ? [...where, afterCursor(decodeCursor(q.cursor, q.sort), q.sort, desc)] : where;
  const dir = sql.raw(desc ? 'DESC' : 'ASC');
  const nulls = sql.raw(q.sort === 'due_date' ? ' NULLS LAST' : '');
  // One statement (a raw one: building it with the query builder cost Node more than running it).
  // The JSON is read per row of the page only: PostgreSQL evaluates subqueries of the select list
  // above the LIMIT, or after the sort when one is needed (its planner postpones costly columns);
  // the total is an uncorrelated subquery, counted once.
  const { rows } = await sql<PageRow>`
    SELECT id, ${cursorColumn(q.sort)} AS cursor_v, ${taskColumns}, ${cappedCount(where)} AS total
    FROM tasks WHERE ${and(page)}
    ORDER BY ${sql.ref(q.sort)} ${dir}${nulls}, id ${dir}
    LIMIT ${q.limit + 1}${sql.raw(PLAN_PER_EXECUTION)}`.execute(db);
  // an empty page has no row to carry the total: only a cursor past every match gets here
  const total = rows[0]?.total ?? (q.cursor ? await countOnly(db, where) : 0);
  const more = rows.length > q.limit;
  const shown = more ? rows.slice(0, q.limit) : rows;
  const last = shown[shown.length - 1];
  const nextCursor = more && last ? Buffer.from(JSON.stringify({ s: q.sort, v: last.cursor_v, id: last.id })).toString('base64url') : null;
  return { json: `[${shown.map(taskText).join(',')}]`, total, totalCapped: total > TOTAL_CAP, nextCursor };
}

async function countOnly(db: Db, where: Expression<SqlBool>[]): Promise<number> {
  const { rows } = await sql<{ total: number }>`SELECT ${cappedCount(where)} AS total${sql.raw(PLAN_PER_EXECUTION)}`.execute(db);
  return rows[0]!.total;
}
