/**
 * Project commands. Like task commands, each writes the project and its event (and,
 * for a delete, every task's `deleted` event) in ONE transaction.
 */
import type { Db, Tx } from '../db/types.js';
import { ConflictError, ForbiddenError, NotFoundError, PreconditionFailedError, ValidationError } from '../errors.js';
import { appendManyToOutbox, recordProjectEvent, taskEvent } from '../events/outbox.js';
import { TOPICS } from '../events/schemas.js';
import { keyAfter, placeAfter } from '../tasks/position.js';
import { withCounts } from '../tasks/tree.js';
import { audiencesOf } from './access.js';
import type { Inboxes } from './inboxes.js';
import { DEFAULT_COLOR, type Project, type ProjectCreate, type ProjectMoveBody, type ProjectUpdate } from './model.js';
import { tasksOfProject } from '../tasks/repository.js';
import {
  countOwnedProjects,
  deleteProjectWithTasks,
  findProject,
  insertProject,
  lastOwnPosition,
  listProjects,
  lockProject,
  ownProjectPlaces,
  toProject,
  toProjects,
  updateProject,
} from './repository.js';
import type { ProjectRow } from '../db/types.js';

export interface ProjectServiceDeps {
  db: Db;
  now: () => Date;
  inboxes: Inboxes;
  /** called after a commit that wrote outbox rows */
  changed: () => void;
  /** Projects per user, archived ones included (unlimited when absent) */
  maxProjectsPerUser?: number;
}

export class ProjectService {
  constructor(private readonly deps: ProjectServiceDeps) {}

  /** One transaction; `changed` after it committed. */
  private async write<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const out = await this.deps.db.transaction().execute(fn);
    this.deps.changed();
    return out;
  }

  async list(userId: string, filter: { archived?: boolean | undefined } = {}): Promise<Project[]> {
    await this.deps.inboxes.idOf(userId);
    const rows = await listProjects(this.deps.db, userId, filter);
    return toProjects(this.deps.db, userId, rows);
  }

  async get(userId: string, id: number): Promise<Project> {
    const row = await mustFind(this.deps.db, userId, id);
    return (await toProjects(this.deps.db, userId, [row]))[0]!;
  }

  async create(userId: string, body: ProjectCreate): Promise<Project> {
    const inboxId = await this.deps.inboxes.idOf(userId);
    const now = this.deps.now();
    const name = checkedName(body.name);
    return this.write(async (tx) => {
      // the Inbox row serialises a user's project creates, so the cap is exact
      await lockProject(tx, inboxId);
      await this.checkCap(tx, userId);
      const row = await insertProject(tx, {
        owner_id: userId,
        name,
        color: (body.color ?? DEFAULT_COLOR).toLowerCase(),
        position: keyAfter(await lastOwnPosition(tx, userId)),
        archived: body.archived ?? false,
        created_at: now,
        updated_at: now,
      });
      const project = toProject(row, 0);
      await recordProjectEvent(tx, 'created', project, now);
      return project;
    });
  }

  async update(userId: string, id: number, body: ProjectUpdate, ifMatch?: number): Promise<Project> {
    const now = this.deps.now();
    const name = body.name === undefined ? undefined : checkedName(body.name);
    return this.write(async (tx) => {
      const current = await mustOwn(tx, userId, id, { ifMatch });
      if (current.inbox && body.archived) throw new ValidationError([{ field: 'archived', message: 'the Inbox cannot be archived' }]);
      const row = await updateProject(tx, id, {
        ...(name !== undefined ? { name } : {}),
        ...(body.color !== undefined ? { color: body.color.toLowerCase() } : {}),
        ...(body.archived !== undefined ? { archived: body.archived } : {}),
        updated_at: now,
        version: current.version + 1,
      });
      return this.recorded(tx, userId, row, now);
    });
  }

  /** Manual order of the sidebar: right before/after another project, or at the end. */
  async move(userId: string, id: number, body: ProjectMoveBody): Promise<Project> {
    if (body.before_id !== undefined && body.after_id !== undefined)
      throw new ValidationError([{ field: 'after_id', message: 'give before_id or after_id, not both' }]);
    const now = this.deps.now();
    return this.write(async (tx) => {
      const current = await mustOwn(tx, userId, id);
      // a user has at most a few hundred projects: order them here
      const siblings = await ownProjectPlaces(tx, userId, id);
      const anchorId = body.after_id ?? body.before_id;
      let at = siblings.length; // index in `siblings` the project goes before
      if (anchorId !== undefined) {
        const i = siblings.findIndex((p) => p.id === anchorId);
        const field = body.after_id !== undefined ? 'after_id' : 'before_id';
        if (i < 0) throw new ValidationError([{ field, message: `project ${anchorId} is not another of your projects` }]);
        at = body.after_id !== undefined ? i + 1 : i;
      }
      const prev = siblings[at - 1];
      const rest = siblings.slice(at);
      const tied = prev ? rest.filter((p) => p.position === prev.position) : [];
      const next = rest.find((p) => !prev || p.position > prev.position);
      const { key, rekeyed } = placeAfter(
        prev?.position ?? null,
        tied.map((p) => p.id),
        next?.position ?? null,
      );
      for (const r of rekeyed) {
        const row = await updateProject(tx, r.id, { position: r.position, updated_at: now, version: 'next' });
        await this.recorded(tx, userId, row, now);
      }
      const row = await updateProject(tx, id, { position: key, updated_at: now, version: current.version + 1 });
      return this.recorded(tx, userId, row, now);
    });
  }

  /** The project and all its tasks, each task with its `deleted` event, in one transaction. */
  async remove(userId: string, id: number, ifMatch?: number): Promise<void> {
    const now = this.deps.now();
    await this.write(async (tx) => {
      const current = await mustOwn(tx, userId, id, { ifMatch });
      if (current.inbox) throw new ConflictError('the Inbox cannot be deleted');
      const tasks = await withCounts(tx, await tasksOfProject(tx, id, { lock: true }));
      const project = (await toProjects(tx, userId, [current]))[0]!;
      // who saw it, before its members go with it
      const audience = (await audiencesOf(tx, [id])).get(id) ?? [userId];
      await appendManyToOutbox(
        tx,
        TOPICS.taskEvents,
        tasks.map((t) => taskEvent('deleted', t, now)),
      );
      await deleteProjectWithTasks(tx, id);
      await recordProjectEvent(tx, 'deleted', project, now, { audience });
    });
  }

  private async recorded(tx: Tx, userId: string, row: ProjectRow, now: Date): Promise<Project> {
    const project = (await toProjects(tx, userId, [row]))[0]!;
    await recordProjectEvent(tx, 'updated', project, now);
    return project;
  }

  private async checkCap(tx: Tx, userId: string): Promise<void> {
    const max = this.deps.maxProjectsPerUser;
    if (max === undefined) return;
    if ((await countOwnedProjects(tx, userId)) >= max)
      throw new ValidationError([
        { field: '(body)', message: `a user may have at most ${max} projects (archived ones included); delete some before creating more` },
      ]);
  }
}

function checkedName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw new ValidationError([{ field: 'name', message: 'must not be blank' }]);
  return trimmed;
}

/** Only its owner changes a project itself (its members: 403). */
async function mustOwn(tx: Tx, userId: string, id: number, opts: { ifMatch?: number } = {}): Promise<ProjectRow> {
  const row = await mustFind(tx, userId, id, { lock: true });
  if (row.owner_id !== userId) throw new ForbiddenError(`only the owner of project ${id} can change or delete it`);
  if (opts.ifMatch !== undefined && opts.ifMatch !== row.version) throw new PreconditionFailedError(row.version);
  return row;
}

async function mustFind(db: Db | Tx, userId: string, id: number, opts: { lock?: boolean } = {}): Promise<ProjectRow> {
  const row = await findProject(db, userId, id, opts);
  if (!row) throw new NotFoundError(`project ${id} not found`);
  return row;
}
