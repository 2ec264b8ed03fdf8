/** A project as the API and its events see it. */
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, NON_BLANK_TEXT_RULES } from '../tasks/model.js';

export const PROJECT_NAME_MAX = 100;
export const DEFAULT_COLOR = '#808080';

const Name = Type.String({ minLength: 1, maxLength: PROJECT_NAME_MAX, ...NON_BLANK_TEXT_RULES });
const Color = Type.String({ pattern: '^#[0-9a-fA-F]{6}$', description: '#rrggbb (stored lower-case)' });

export const Project = Type.Object(
  {
    id: Type.Integer(),
    owner_id: Type.String(),
    name: Type.String(),
    color: Type.String(),
    position: Type.String({ description: 'manual order: an opaque key, compared as strings by code unit (JavaScript `<`), then by id' }),
    archived: Type.Boolean(),
    inbox: Type.Boolean({ description: "read-only: the user's Inbox (one per user; cannot be deleted or archived)" }),
    role: Type.Union([Type.Literal('owner'), Type.Literal('editor'), Type.Literal('viewer')], { description: "the caller's role" }),
    member_count: Type.Integer({ minimum: 1 }),
    open_task_count: Type.Integer({ minimum: 0, description: 'tasks not completed, subtasks included (for a sidebar)' }),
    created_at: DateTime,
    updated_at: DateTime,
    version: Type.Integer(),
  },
  { $id: 'Project', additionalProperties: false },
);
export type Project = Static<typeof Project>;

export const ProjectCreate = Type.Object(
  { name: Name, color: Type.Optional(Color), archived: Type.Optional(Type.Boolean()) },
  { $id: 'ProjectCreate', additionalProperties: false },
);
export type ProjectCreate = Static<typeof ProjectCreate>;

/** PUT: absent fields stay unchanged. */
export const ProjectUpdate = Type.Partial(ProjectCreate, { $id: 'ProjectUpdate', additionalProperties: false });
export type ProjectUpdate = Static<typeof ProjectUpdate>;

const AnchorId = Type.Integer({ minimum: 1, maximum: 2147483647 });
export const ProjectMoveBody = Type.Object(
  {
    before_id: Type.Optional({ ...AnchorId, description: 'place it right before this project' }),
    after_id: Type.Optional({ ...AnchorId, description: 'place it right after this project' }),
  },
  {
    $id: 'ProjectMoveBody',
    additionalProperties: false,
    not: { required: ['before_id', 'after_id'] },
    description: 'before_id or after_id, not both; neither: at the end',
  },
);
export type ProjectMoveBody = Static<typeof ProjectMoveBody>;
