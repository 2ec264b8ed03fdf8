/**
 * The MCP tools. Each is a thin adapter over the REST API: its input schema is built
 * from the TypeBox schemas the REST routes validate with, and — but for `add_tasks` — it calls
 * those routes in-process (`app.inject`) with the caller's own bearer token, so validation,
 * ownership, token scopes, limits and events are the REST API's, not a second copy.
 * `add_tasks` writes its batch in one transaction (TaskService.createMany): all tasks or none.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { Temporal } from 'temporal-polyfill';
import type { Services } from '../app.js';
import type { TokenPrincipal } from '../auth/access-tokens.js';
import type { Scope } from '../auth/access-token-model.js';
import { ValidationError, type FieldError } from '../errors.js';
import { parseQuickAdd } from '../nlp/quick-add.js';
import { checkedDate } from '../tasks/date-range.js';
import { TaskCreate, TaskUpdate, TimeZone } from '../tasks/model.js';
import { ListQuery, TaskParams } from '../http/routes/tasks.js';
import { ProjectListQuery } from '../http/routes/projects.js';
import { ProjectCreate, type Project } from '../projects/model.js';
import type { Preferences } from '../preferences/store.js';
import { isValidTimeZone } from '../recurrence/index.js';

export interface Caller {
  userId: string;
  /** the `Authorization` header of the MCP request, forwarded to the REST routes */
  authorization: string;
  /** set for a personal access token: its scopes bound the tools */
  token: TokenPrincipal | undefined;
  app: FastifyInstance;
  services: Services;
}

/** A tool's failure that the model should read and correct (MCP: a result with isError, not a protocol error). */
export class ToolError extends Error {
  constructor(
    message: string,
    readonly details: unknown,
  ) {
    super(message);
  }
}

export interface ToolDef<S extends TSchema = TSchema> {
  name: string;
  title: string;
  description: string;
  input: S;
  scope: Scope;
  /** MCP tool annotations (hints for clients: read-only tools can be auto-approved) */
  annotations: { readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean; openWorldHint?: boolean };
  run(caller: Caller, args: Static<S>): Promise<Record<string, unknown>>;
}

const defineTool = <S extends TSchema>(def: ToolDef<S>): ToolDef => def as unknown as ToolDef;

const TaskId = TaskParams.properties.id;
const Due = Type.String({
  minLength: 1,
  maxLength: 200,
  description:
    'when it is due, in words read in the user\'s time zone ("tomorrow 9am", "next friday", "in 2 hours", "Dec 20 at 5pm"), ' +
    'or an ISO 8601 date-time; a repeat in the words ("every monday 9am") sets `recurrence` too',
});
const NewTask = Type.Composite([TaskCreate, Type.Object({ due: Type.Optional(Due) })], { additionalProperties: false });
const TaskChange = Type.Composite([Type.Object({ id: TaskId }), TaskUpdate, Type.Object({ due: Type.Optional(Due) })], {
  additionalProperties: false,
});
const Ids = Type.Array(TaskId, { minItems: 1, maxItems: 100, uniqueItems: true });

/** `app.inject` into the REST API as the caller; a 4xx/5xx answer becomes a ToolError carrying the problem. */
async function rest(caller: Caller, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) {
  const res = await caller.app.inject({
    method,
    url,
    headers: { authorization: caller.authorization, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
  });
  const body: unknown = res.body ? JSON.parse(res.body) : null;
  if (res.statusCode >= 400) {
    const p = body as { detail?: string; title?: string; errors?: unknown };
    throw new ToolError(p?.detail ?? p?.title ?? `HTTP ${res.statusCode}`, {
      status: res.statusCode,
      ...(p?.errors ? { errors: p.errors } : {}),
    });
  }
  return { body, headers: res.headers };
}

const userPath = (caller: Caller, rest = '') => `/api/${encodeURIComponent(caller.userId)}${rest}`;

/** Each id on its own: one missing task does not undo the others; the result says which failed. */
async function eachId<T>(ids: number[], fn: (id: number) => Promise<T>) {
  const results = await Promise.all(
    ids.map(async (id) => {
      try {
        return { id, ok: true as const, result: await fn(id) };
      } catch (err) {
        if (!(err instanceof ToolError)) throw err;
        return { id, ok: false as const, error: err.message, ...(err.details as object) };
      }
    }),
  );
  return { results, failed: results.filter((r) => !r.ok).length };
}

/** The caller's preferences, read once per tool call and only when needed. */
class PrefsCache {
  private value: Promise<Preferences> | undefined;
  constructor(private readonly caller: Caller) {}
  get(): Promise<Preferences> {
    return (this.value ??= this.caller.services.preferences.get(this.caller.userId));
  }
}

/** `due` (words or ISO) → `due_date`, and a repeat in the words → `recurrence` unless one is given. */
async function resolveDue(
  caller: Caller,
  body: { due?: string; due_date?: string | null; timezone?: string; recurrence?: string | null },
  field: string,
  errors: FieldError[],
  prefs: PrefsCache,
): Promise<{ due_date?: string | null; recurrence?: string | null }> {
  if (body.due === undefined) return {};
  if (body.due_date !== undefined) {
    errors.push({ field: `${field}/due`, message: 'give either due or due_date, not both' });
    return {};
  }
  if (!Number.isNaN(Date.parse(body.due)) && /^\d{4}-\d{2}-\d{2}T/.test(body.due)) {
    checkedDate(`${field}/due`, body.due, errors);
    return { due_date: body.due };
  }
  const { timezone, week_start } = await prefs.get();
  const zone = body.timezone && isValidTimeZone(body.timezone) ? body.timezone : timezone;
  const parsed = parseQuickAdd(body.due, { timeZone: zone, now: new Date(), weekStart: week_start });
  if (!parsed.due) {
    errors.push({ field: `${field}/due`, message: `no date or time found in "${body.due}"` });
    return {};
  }
  checkedDate(`${field}/due`, parsed.due.toISOString(), errors);
  const zoned = Temporal.Instant.fromEpochMilliseconds(parsed.due.getTime()).toZonedDateTimeISO(zone);
  return {
    due_date: zoned.toString({ timeZoneName: 'never', smallestUnit: 'second' }),
    ...(parsed.recurrence && body.recurrence === undefined ? { recurrence: parsed.recurrence } : {}),
  };
}

export const TOOLS: ToolDef[] = [
  defineTool({
    name: 'find_tasks',
    title: 'Find tasks',
    description:
      "Lists the user's tasks with filters: keyword `q`, `status` (pending|completed|all), `priority` (comma list), `tag` " +
      '(all must match), due range `due_from`/`due_to`, `overdue`, `project_id`, `parent_id` (subtasks), the views `view=today` ' +
      '(open, due by the end of today, overdue included) and `view=upcoming` (with `days`), `sort`, and paging (`limit`, then ' +
      '`cursor` = the `next_cursor` returned). ' +
      'Dates in results are ISO 8601 with offset; each task has its IANA `timezone`.',
    input: ListQuery,
    scope: 'tasks:read',
    annotations: { readOnlyHint: true, openWorldHint: false },
    async run(caller, args) {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(args as Record<string, unknown>)) {
        if (v === undefined) continue;
        for (const item of Array.isArray(v) ? v : [v]) qs.append(k, String(item));
      }
      const { body, headers } = await rest(caller, 'GET', userPath(caller, `/tasks?${qs}`));
      const next = /[?&]cursor=([^&>]+)/.exec(String(headers.link ?? ''))?.[1];
      const total = headers['x-total-count'] ?? headers['x-total-count-at-least'];
      return {
        tasks: body,
        total: Number(total),
        ...(headers['x-total-count-at-least'] ? { total_is_lower_bound: true } : {}),
        next_cursor: next ? decodeURIComponent(next) : null,
      };
    },
  }),

  defineTool({
    name: 'add_tasks',
    title: 'Add tasks',
    description:
      'Creates one or more tasks (up to 50) in one go: all are created or, if any is invalid, none (the error names the task, e.g. tasks/2/title). ' +
      'Use `due` for a due date in words ("tomorrow 9am", "every monday 10am"), read in the user\'s time zone; `project_id` ' +
      'files a task in a project (find_projects; default: the Inbox).',
    input: Type.Object({ tasks: Type.Array(NewTask, { minItems: 1, maxItems: 50 }) }, { additionalProperties: false }),
    scope: 'tasks:write',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    async run(caller, args) {
      const errors: FieldError[] = [];
      const prefs = new PrefsCache(caller);
      const bodies: TaskCreate[] = [];
      for (const [i, item] of args.tasks.entries()) {
        const { due, ...rest } = item;
        bodies.push({ ...rest, ...(await resolveDue(caller, { ...rest, due }, `tasks/${i}`, errors, prefs)) });
      }
      if (errors.length) throw new ValidationError(errors);
      const tasks = await caller.services.tasks.createMany(caller.userId, bodies);
      return { created: tasks.length, tasks };
    },
  }),

  defineTool({
    name: 'update_tasks',
    title: 'Update tasks',
    description:
      'Changes tasks by id; fields left out stay as they are. `due` takes words like add_tasks. Each task is updated on its own: the result lists which failed and why.',
    input: Type.Object({ updates: Type.Array(TaskChange, { minItems: 1, maxItems: 50 }) }, { additionalProperties: false }),
    scope: 'tasks:write',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    async run(caller, args) {
      const errors: FieldError[] = [];
      const prefs = new PrefsCache(caller);
      const changes = new Map<number, TaskUpdate>();
      for (const [i, item] of args.updates.entries()) {
        const { id, due, ...rest } = item;
        changes.set(id, { ...rest, ...(await resolveDue(caller, { ...rest, due }, `updates/${i}`, errors, prefs)) });
      }
      if (errors.length) throw new ValidationError(errors);
      return eachId([...changes.keys()], async (id) => (await rest(caller, 'PUT', userPath(caller, `/tasks/${id}`), changes.get(id))).body);
    },
  }),

  defineTool({
    name: 'complete_tasks',
    title: 'Complete tasks',
    description: 'Marks tasks done by id (or not done again with `completed: false`). A recurring task moves on to its next occurrence.',
    input: Type.Object({ ids: Ids, completed: Type.Optional(Type.Boolean({ default: true })) }, { additionalProperties: false }),
    scope: 'tasks:write',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    async run(caller, args) {
      const completed = args.completed ?? true;
      return eachId(args.ids, async (id) => (await rest(caller, 'PATCH', userPath(caller, `/tasks/${id}/complete`), { completed })).body);
    },
  }),

  defineTool({
    name: 'delete_tasks',
    title: 'Delete tasks',
    description: 'Deletes tasks by id, for good. Prefer complete_tasks for work that was done.',
    input: Type.Object({ ids: Ids }, { additionalProperties: false }),
    scope: 'tasks:write',
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    async run(caller, args) {
      return eachId(args.ids, async (id) => {
        await rest(caller, 'DELETE', userPath(caller, `/tasks/${id}`));
        return { deleted: true };
      });
    },
  }),

  defineTool({
    name: 'find_projects',
    title: 'Find projects',
    description:
      "Lists the user's projects in their manual order, the Inbox included, each with its open-task count; `archived` narrows to archived (true) or active (false) ones. " +
      'Use a project id as `project_id` in find_tasks and add_tasks.',
    input: ProjectListQuery,
    scope: 'tasks:read',
    annotations: { readOnlyHint: true, openWorldHint: false },
    async run(caller, args) {
      const qs = args.archived === undefined ? '' : `?archived=${args.archived}`;
      return { projects: (await rest(caller, 'GET', userPath(caller, `/projects${qs}`))).body };
    },
  }),

  defineTool({
    name: 'add_project',
    title: 'Add a project',
    description: 'Creates a project (at the end of the manual order); add tasks to it with add_tasks and its `project_id`.',
    input: ProjectCreate,
    scope: 'tasks:write',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    async run(caller, args) {
      return { project: (await rest(caller, 'POST', userPath(caller, '/projects'), args)).body };
    },
  }),

  defineTool({
    name: 'overview',
    title: 'Overview',
    description:
      "Counts of the user's open tasks — overdue, due later today, upcoming (the `days` days after today, default 7) and without a due date — " +
      "in the user's time zone, in all and per active project.",
    input: Type.Object(
      {
        days: Type.Optional(Type.Integer({ minimum: 1, maximum: 90, default: 7 })),
        timezone: Type.Optional(TimeZone),
      },
      { additionalProperties: false },
    ),
    scope: 'tasks:read',
    annotations: { readOnlyHint: true, openWorldHint: false },
    async run(caller, args) {
      const zone = args.timezone ?? (await caller.services.preferences.get(caller.userId)).timezone;
      if (!isValidTimeZone(zone)) throw new ValidationError([{ field: 'timezone', message: `unknown time zone "${zone}"` }]);
      const now = Temporal.Now.zonedDateTimeISO(zone);
      const endOfToday = now.toPlainDate().add({ days: 1 }).toZonedDateTime(zone);
      const days = args.days ?? 7;
      const endOfUpcoming = endOfToday.toPlainDate().add({ days }).toZonedDateTime(zone);
      const iso = (z: Temporal.ZonedDateTime) => z.toInstant().toString();
      const justBefore = (z: Temporal.ZonedDateTime) => iso(z.subtract({ milliseconds: 1 }));
      // counted by the list route itself (X-Total-Count), so what is counted is what find_tasks finds
      const count = async (query: Record<string, string>) => {
        const url = userPath(caller, `/tasks?${new URLSearchParams({ status: 'pending', limit: '1', ...query })}`);
        const { headers } = await rest(caller, 'GET', url);
        return Number(headers['x-total-count'] ?? headers['x-total-count-at-least']);
      };
      const counts = async (scope: Record<string, string>) => {
        const [open, overdue, today, upcoming, withDue] = await Promise.all([
          count(scope),
          count({ ...scope, overdue: 'true' }),
          count({ ...scope, due_from: iso(now), due_to: justBefore(endOfToday) }),
          count({ ...scope, due_from: iso(endOfToday), due_to: justBefore(endOfUpcoming) }),
          count({ ...scope, due_from: '1900-01-01T00:00:00Z', due_to: '2200-12-31T23:59:59Z' }),
        ]);
        return { open, overdue, today, upcoming, no_due_date: open - withDue };
      };
      const projects = (await rest(caller, 'GET', userPath(caller, '/projects?archived=false'))).body as Project[];
      const [all, ...perProject] = await Promise.all([
        counts({}),
        // a project without open tasks needs no counting
        ...projects.map((p) =>
          p.open_task_count === 0 ? { open: 0, overdue: 0, today: 0, upcoming: 0, no_due_date: 0 } : counts({ project_id: String(p.id) }),
        ),
      ]);
      return {
        timezone: zone,
        now: now.toString({ timeZoneName: 'never' }),
        upcoming_days: days,
        ...all,
        projects: projects.map((p, i) => ({ id: p.id, name: p.name, inbox: p.inbox, ...perProject[i]! })),
      };
    },
  }),
];
