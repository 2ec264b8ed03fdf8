import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { ValidationError, type FieldError } from '../../errors.js';
import { checkedDate } from '../../tasks/date-range.js';
import { parsePriorities, parseSort, SORT_FIELDS } from '../../tasks/list-query.js';
import { CompleteBody, DateTime, MoveBody, PRIORITIES, Task, TaskCreate, TaskUpdate, TEXT_RULES, TimeZone } from '../../tasks/model.js';
import { isValidTimeZone } from '../../recurrence/index.js';
import { HistoryEntry } from '../../audit/model.js';
import { RESTORE_DAYS } from '../../tasks/trash.js';
import { ifMatch, sendCreated, sendJsonText, sendNoContent, sendWithEtag } from '../answers.js';
import { signedInRoutes, userOf } from '../auth.js';
import { UserId, UserParams } from '../params.js';
import { problems } from '../problems.js';

export const TaskParams = Type.Object({
  user_id: UserId,
  id: Type.Integer({ minimum: 1, maximum: 2147483647 }),
});

/** priorities, comma-separated (spaces and empty items allowed), as the list filter parses them */
const PRIORITY_NAME = `(?:${PRIORITIES.join('|')})`;
const PRIORITY_LIST = `^ *(?:${PRIORITY_NAME} *)?(?:, *(?:${PRIORITY_NAME} *)?)*$`;

export const ListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200, ...TEXT_RULES, description: 'keyword in title or description (case-insensitive)' })),
    status: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('pending'), Type.Literal('completed')])),
    priority: Type.Optional(Type.String({ maxLength: 100, pattern: PRIORITY_LIST, description: 'comma list, e.g. high,urgent' })),
    tag: Type.Optional(
      Type.Array(Type.String({ maxLength: 50, ...TEXT_RULES }), { maxItems: 20, description: 'repeatable; all must match' }),
    ),
    due_from: Type.Optional(DateTime),
    due_to: Type.Optional(DateTime),
    overdue: Type.Optional(Type.Boolean()),
    project_id: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647, description: "a project's tasks (subtasks included)" })),
    parent_id: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647, description: 'the direct subtasks of this task' })),
    top_level: Type.Optional(Type.Boolean({ description: 'true: tasks that are not subtasks' })),
    assignee: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        ...TEXT_RULES,
        description: '`me`: tasks assigned to the caller; `none`: unassigned tasks; else a user id',
      }),
    ),
    view: Type.Optional(
      Type.Union([Type.Literal('today'), Type.Literal('upcoming')], {
        description:
          "computed in the caller's zone (preferences; `tz` overrides): today = open tasks due before the end of today, " +
          'overdue included; upcoming = open tasks due from now to the end of the `days`-th day (today is the first)',
      }),
    ),
    days: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 366, description: 'view=upcoming: calendar days, today included (default 7)' }),
    ),
    tz: Type.Optional({ ...TimeZone, description: "IANA zone of the views, instead of the user's preference" }),
    sort: Type.Optional(
      Type.String({
        maxLength: 20,
        pattern: `^-?(?:${SORT_FIELDS.join('|')})$`,
        description:
          'due_date|priority|title|created_at|updated_at|position, - prefix for descending (position: manual order; ' +
          'meaningful within one list, i.e. with project_id and top_level=true, or parent_id)',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(
      Type.String({ maxLength: 500, pattern: '^[A-Za-z0-9_-]*$', description: "opaque: the `cursor` of the previous page's Link header" }),
    ),
  },
  { additionalProperties: false },
);

/** every task route: authentication, ownership, preconditions, validation */
const errors = problems(401, 403, 404, 412, 422);
/** routes with a JSON body may also meet malformed, oversized or non-JSON bodies */
const bodyErrors = problems(400, 401, 403, 404, 412, 413, 415, 422);

function nextLink(req: FastifyRequest, cursor: string): string {
  const url = new URL(req.url, `${req.protocol}://${req.headers.host ?? 'localhost'}`);
  url.searchParams.set('cursor', cursor);
  return `<${url.pathname}${url.search}>; rel="next"`;
}

export const taskRoutes = signedInRoutes({ tags: ['tasks'] }, async (app, s) => {
  app.get(
    '/api/:user_id/tasks',
    {
      schema: { summary: 'List tasks', params: UserParams, querystring: ListQuery, response: { 200: Type.Array(Task), ...errors } },
    },
    async (req, reply) => {
      const q = req.query;
      const dateErrors: FieldError[] = [];
      const dueFrom = q.due_from ? checkedDate('due_from', q.due_from, dateErrors) : undefined;
      const dueTo = q.due_to ? checkedDate('due_to', q.due_to, dateErrors) : undefined;
      if (q.tz !== undefined && !isValidTimeZone(q.tz)) dateErrors.push({ field: 'tz', message: `unknown time zone "${q.tz}"` });
      if (q.days !== undefined && q.view !== 'upcoming') dateErrors.push({ field: 'days', message: 'only with view=upcoming' });
      if (dateErrors.length) throw new ValidationError(dateErrors);
      const page = await s.tasks.list(userOf(req), {
        q: q.q,
        status: q.status,
        priority: parsePriorities(q.priority),
        tags: q.tag?.map((t) => t.trim().toLowerCase()).filter(Boolean),
        dueFrom,
        dueTo,
        overdue: q.overdue,
        projectId: q.project_id,
        parentId: q.parent_id,
        topLevel: q.top_level,
        assignee: q.assignee === 'me' ? userOf(req) : q.assignee === 'none' ? null : q.assignee,
        view: q.view && { kind: q.view, days: q.days, tz: q.tz },
        ...parseSort(q.sort),
        limit: q.limit ?? 50,
        cursor: q.cursor,
      });
      // beyond the counting cap the exact total is unknown: say how many at least, never a wrong number
      if (page.totalCapped) reply.header('x-total-count-at-least', String(page.total));
      else reply.header('x-total-count', String(page.total));
      if (page.nextCursor) reply.header('link', nextLink(req, page.nextCursor));
      return sendJsonText(reply, page.json);
    },
  );

  app.post(
    '/api/:user_id/tasks',
    { schema: { summary: 'Create a task', params: UserParams, body: TaskCreate, response: { 201: Task, ...bodyErrors } } },
    async (req, reply) => sendCreated(reply, await s.tasks.create(userOf(req), req.body), (t) => `/api/${t.user_id}/tasks/${t.id}`),
  );

  app.get(
    '/api/:user_id/tasks/:id',
    { schema: { summary: 'Get a task', params: TaskParams, response: { 200: Task, ...errors } } },
    async (req, reply) => sendWithEtag(reply, await s.tasks.get(userOf(req), req.params.id)),
  );

  app.put(
    '/api/:user_id/tasks/:id',
    {
      schema: {
        summary: 'Update a task (absent fields unchanged; If-Match for optimistic concurrency)',
        params: TaskParams,
        body: TaskUpdate,
        response: { 200: Task, ...bodyErrors },
      },
    },
    async (req, reply) => sendWithEtag(reply, await s.tasks.update(userOf(req), req.params.id, req.body, ifMatch(req))),
  );

  app.delete(
    '/api/:user_id/tasks/:id',
    { schema: { summary: 'Delete a task', params: TaskParams, response: { 204: Type.Null(), ...errors } } },
    async (req, reply) => sendNoContent(reply, s.tasks.remove(userOf(req), req.params.id, ifMatch(req))),
  );

  app.patch(
    '/api/:user_id/tasks/:id/complete',
    {
      schema: {
        summary: 'Toggle completion (no body) or set it ({"completed": bool})',
        params: TaskParams,
        body: Type.Optional(CompleteBody),
        response: { 200: Task, ...bodyErrors },
      },
    },
    async (req, reply) => sendWithEtag(reply, await s.tasks.setCompleted(userOf(req), req.params.id, req.body?.completed, ifMatch(req))),
  );

  app.post(
    '/api/:user_id/tasks/:id/move',
    {
      schema: {
        summary: 'Move a task (with its subtasks) to another project, parent or place',
        description:
          'The list it goes to: `parent_id` (its children; null = top level), else `project_id` (top level), else the ' +
          'list of `before_id`/`after_id`, else where it is. The place: right before `before_id` or after `after_id` ' +
          '(which must be in that list: else 422), else the end. Subtasks move along (to the same project; each emits ' +
          '`updated`). 404 for a project, parent or anchor the caller cannot see; 422 for a cycle or a tree deeper than ' +
          'LIMIT_TASK_LEVELS. Answers the task with its new `position`.',
        params: TaskParams,
        body: MoveBody,
        response: { 200: Task, ...bodyErrors },
      },
    },
    async (req, reply) => sendWithEtag(reply, await s.tasks.move(userOf(req), req.params.id, req.body, ifMatch(req))),
  );

  app.post(
    '/api/:user_id/tasks/:id/restore',
    {
      schema: {
        summary: 'Restore a deleted task (undo a delete)',
        description:
          `Brings back a task deleted in the last ${RESTORE_DAYS} days, with the subtasks deleted with it: the same ids, ` +
          'fields, history and place (the top level of its project when its parent is gone), one version on. Each gets a ' +
          '`created` event marked `restored: true`; reminders still ahead are armed again. A task that is not deleted is ' +
          'answered as it is (a repeated restore succeeds). 404: a task the caller cannot see, or deleted longer ago (or with ' +
          'its project); 403: a viewer; 409: it was deleted with its parent task (restore that one), or its project is archived.',
        params: TaskParams,
        response: { 200: Task, ...problems(400, 401, 403, 404, 409, 413, 415, 422) },
      },
    },
    async (req, reply) => sendWithEtag(reply, await s.tasks.restore(userOf(req), req.params.id)),
  );

  app.get(
    '/api/:user_id/tasks/:id/history',
    { schema: { summary: "The task's audit trail", params: TaskParams, response: { 200: Type.Array(HistoryEntry), ...errors } } },
    async (req) => s.tasks.history(userOf(req), req.params.id),
  );
});
