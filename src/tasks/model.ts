/**
 * The task as the API and the events see it: one set of TypeBox schemas that the server
 * validates with, the OpenAPI document is generated from, and the event schemas embed.
 */
import { Type, type Static } from '@sinclair/typebox';
import { PRIORITIES } from './priorities.js';
import { LIMITS } from './limits.js';

export { PRIORITIES, type Priority } from './priorities.js';

export { LIMITS };

/**
 * Input strings are well-formed Unicode without NUL: PostgreSQL text cannot store U+0000 (it
 * answered 500), and an unpaired UTF-16 surrogate was silently stored as U+FFFD (the task came
 * back different from what was sent). NUL is a pattern; well-formedness is a format, because no
 * regular expression can name surrogates portably (Rust-based validators such as schemathesis's
 * reject them, and Python's `re` has no `\p{Cs}`). Both are in the schema, so the OpenAPI
 * document says so and validation names the field.
 */
export const TEXT = '^[^\\u0000]*$';
export const WELL_FORMED = 'well-formed-unicode';
/** true when no code point is an unpaired surrogate (in `u` mode a proper pair is one code point, not Cs) */
export const isWellFormed = (s: string): boolean => !/\p{Cs}/u.test(s);
/** the rules of every free-text input */
export const TEXT_RULES = { pattern: TEXT, format: WELL_FORMED } as const;
/**
 * JavaScript's white space (what String.prototype.trim removes), spelt out: `\s` differs between
 * the regex engines that read the document (Python's counts U+001C–U+001F and not U+FEFF).
 */
const JS_SPACE = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
/**
 * Text that is not blank once trimmed (and has no NUL). Leading space, then the first other
 * character: one way to match, so the check is linear even on a 64 KB string.
 */
const NON_BLANK_TEXT = `^[${JS_SPACE}]*[^\\u0000${JS_SPACE}][^\\u0000]*$`;
/** the rules of a name that must say something */
export const NON_BLANK_TEXT_RULES = { pattern: NON_BLANK_TEXT, format: WELL_FORMED } as const;
/** What a failed pattern or format means, for the problem response (Ajv's default repeats the rule). */
export const RULE_MESSAGES: Record<string, string> = {
  [TEXT]: 'must not contain NUL (U+0000) characters',
  [NON_BLANK_TEXT]: 'must not be blank, nor contain NUL (U+0000) characters',
  [WELL_FORMED]: 'must be well-formed Unicode (an unpaired surrogate is not)',
};

export const DateTime = Type.String({ format: 'date-time', description: 'ISO 8601 date-time with offset' });

export const Reminder = Type.Union(
  [
    Type.Object(
      { before_minutes: Type.Integer({ minimum: 0, maximum: LIMITS.reminderBeforeMaxMinutes }) },
      { additionalProperties: false },
    ),
    Type.Object({ at: DateTime }, { additionalProperties: false }),
  ],
  { $id: 'Reminder', description: 'Relative to due_date ({before_minutes}) or absolute ({at})' },
);
export type Reminder = Static<typeof Reminder>;

export const RecurrenceBasis = Type.Union([Type.Literal('due_date'), Type.Literal('completion')]);

const Title = Type.String({ minLength: 1, maxLength: LIMITS.titleMax, ...TEXT_RULES });
const Description = Type.String({ maxLength: LIMITS.descriptionMax, ...TEXT_RULES });
const PriorityT = Type.Union(PRIORITIES.map((p) => Type.Literal(p)));
const Tags = Type.Array(Type.String({ minLength: 1, maxLength: LIMITS.tagMax, ...TEXT_RULES }), { maxItems: LIMITS.tagsMax });
const Reminders = Type.Array(Reminder, { maxItems: LIMITS.remindersMax });
const Recurrence = Type.Union([Type.String({ minLength: 1, maxLength: LIMITS.recurrenceMax, ...TEXT_RULES }), Type.Null()], {
  description: 'null, a preset (daily|weekly|monthly|yearly) or an RFC 5545 RRULE',
});
export const TimeZone = Type.String({ minLength: 1, maxLength: 64, ...TEXT_RULES, description: 'IANA time zone, e.g. Europe/Berlin' });

/** Where a task is: its project, its parent, its place among its siblings. */
export const TASK_PLACE = {
  project_id: Type.Integer({ description: 'its project (default at creation: the Inbox)' }),
  parent_id: Type.Union([Type.Integer(), Type.Null()], { description: 'the task it is a subtask of (same project), or null' }),
  position: Type.String({
    description:
      'manual order among its siblings (same project and parent_id): an opaque fractional-index key; ' +
      'order by it comparing strings by code unit (JavaScript `<`, not localeCompare), then by id',
  }),
  assignee_id: Type.Union([Type.String(), Type.Null()], {
    description: "who is to do it: a member of the task's project (its owner included), or null",
  }),
  subtask_count: Type.Integer({ minimum: 0, description: 'direct subtasks (read-only)' }),
  completed_subtask_count: Type.Integer({ minimum: 0, description: 'direct subtasks that are completed (read-only)' }),
};

export const Task = Type.Object(
  {
    id: Type.Integer(),
    user_id: Type.String(),
    title: Type.String(),
    description: Type.String(),
    completed: Type.Boolean(),
    status: Type.Union([Type.Literal('pending'), Type.Literal('completed')]),
    completed_at: Type.Union([DateTime, Type.Null()]),
    priority: PriorityT,
    tags: Type.Array(Type.String()),
    due_date: Type.Union([DateTime, Type.Null()]),
    timezone: Type.String(),
    reminders: Type.Array(Reminder),
    recurrence: Type.Union([Type.String(), Type.Null()]),
    recurrence_basis: RecurrenceBasis,
    series_id: Type.Union([Type.String(), Type.Null()]),
    created_at: DateTime,
    updated_at: DateTime,
    version: Type.Integer(),
    ...TASK_PLACE,
  },
  { $id: 'Task', additionalProperties: false },
);
export type Task = Static<typeof Task>;

export const TaskCreate = Type.Object(
  {
    title: Title,
    description: Type.Optional(Description),
    completed: Type.Optional(Type.Boolean()),
    priority: Type.Optional(PriorityT),
    tags: Type.Optional(Tags),
    due_date: Type.Optional(Type.Union([DateTime, Type.Null()])),
    timezone: Type.Optional(TimeZone),
    reminders: Type.Optional(Reminders),
    recurrence: Type.Optional(Recurrence),
    recurrence_basis: Type.Optional(RecurrenceBasis),
    project_id: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 2147483647, description: "default: the Inbox (or the parent's project)" }),
    ),
    parent_id: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: 2147483647 }), Type.Null()], {
        description: 'make it a subtask of this task (same project; at most LIMIT_TASK_LEVELS levels)',
      }),
    ),
    assignee_id: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Null()], {
        description: "a member of the task's project (its owner included) who is to do it, or null (422 for anyone else)",
      }),
    ),
  },
  { $id: 'TaskCreate', additionalProperties: false },
);
export type TaskCreate = Static<typeof TaskCreate>;

/** PUT: absent fields stay unchanged; a new project_id or parent_id moves the task (with its subtasks) to the end of that list. */
export const TaskUpdate = Type.Partial(TaskCreate, { $id: 'TaskUpdate', additionalProperties: false });
export type TaskUpdate = Static<typeof TaskUpdate>;

export const CompleteBody = Type.Union([Type.Object({ completed: Type.Boolean() }, { additionalProperties: false }), Type.Null()]);

const AnchorId = Type.Integer({ minimum: 1, maximum: 2147483647 });
export const MoveBody = Type.Object(
  {
    project_id: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647, description: 'default: where it is' })),
    parent_id: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: 2147483647 }), Type.Null()], {
        description: 'null: top level; absent: the same parent (when the project stays)',
      }),
    ),
    before_id: Type.Optional({ ...AnchorId, description: 'place it right before this sibling' }),
    after_id: Type.Optional({ ...AnchorId, description: 'place it right after this sibling' }),
  },
  {
    $id: 'MoveBody',
    additionalProperties: false,
    not: { required: ['before_id', 'after_id'] },
    description: 'before_id or after_id, not both; neither: at the end of the list',
  },
);
export type MoveBody = Static<typeof MoveBody>;
