/**
 * Task commands. Each one writes the task, its derived reminders and its event in ONE
 * transaction (the outbox), then signals the relay. Side effects (next occurrence, audit,
 * notifications) happen in consumers of the event, never here.
 */
import { randomUUID } from 'node:crypto';
import type { Db, Tx } from '../db/types.js';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '../errors.js';
import { appendManyToOutbox, holdOutbox, recordTaskEvent, taskEvent } from '../events/outbox.js';
import { TOPICS, type TaskEventType } from '../events/schemas.js';
import { readHistory } from '../audit/history.js';
import type { HistoryEntry } from '../audit/model.js';
import { clearReminders, insertReminders, pastReminders, pendingReminders, syncReminders, wroteReminders } from '../reminders/schedule.js';
import { BatchNotCommitted, CommandBatcher, GroupCommit } from '../db/group-commit.js';
import { listTasks, type ListPage, type ListQuery } from './list-query.js';
import { NO_SUBTASKS, toTask } from './mapper.js';
import type { MoveBody, Task, TaskCreate, TaskUpdate } from './model.js';
import { mergeFields, type TaskFields } from './normalize.js';
import {
  columnsOf,
  deleteTasks,
  fieldsOf,
  findEditable,
  findTask,
  insertTasks,
  tasksById,
  updateTask,
  type Editable,
  type NewTaskDraft,
} from './repository.js';
import type { TaskRow } from '../db/types.js';
import { DEFAULT_PREFERENCES, type PreferencesStore } from '../preferences/store.js';
import { TaskCap } from '../limits/task-cap.js';
import type { Inboxes } from '../projects/inboxes.js';
import { findProject } from '../projects/repository.js';
import { isMember, markMixedIfForeign, mayEditTasks, mustEditTasks, roleIn } from '../projects/access.js';
import { noticeAssigned } from '../projects/notices.js';
import { keyAfter } from './position.js';
import { lastKey, lastKeys, levelOf, scopeKey, subtree, withCounts, withCountsOne, type Scope } from './tree.js';
import { completeSubtasks, relocate, resolveView, tooDeep, type Relocation } from './organize.js';
import { findDeleted, keepDeleted, restoreDeleted, restoredEvent, type Deleted } from './trash.js';

export interface TaskServiceDeps {
  db: Db;
  preferences: PreferencesStore;
  now: () => Date;
  /** called after a commit that wrote outbox rows or reminders (kicks the relay; re-arms the clock unless `reminders` is false) */
  changed: (what?: { reminders: boolean }) => void;
  /** Tasks per user (unlimited when absent) */
  maxTasksPerUser?: number;
  inboxes: Inboxes;
  /** levels of a task tree, the top-level task being level 1 */
  maxLevels: number;
  /** Tasks per project (unlimited when absent) */
  maxTasksPerProject?: number;
}

export class TaskService {
  private readonly cap: TaskCap | undefined;
  private readonly projectCap: TaskCap | undefined;

  /** Every other write command shares group commit too, each in its own savepoint (src/db/group-commit.ts). */
  private readonly commands: CommandBatcher;

  constructor(private readonly deps: TaskServiceDeps) {
    this.cap = deps.maxTasksPerUser === undefined ? undefined : new TaskCap(deps.db, deps.maxTasksPerUser);
    this.commands = new CommandBatcher(deps.db, (tx) => deps.changed({ reminders: wroteReminders(tx) }), { hold: holdOutbox });
    this.projectCap =
      deps.maxTasksPerProject === undefined ? undefined : new TaskCap(deps.db, deps.maxTasksPerProject, Date.now, 'project_id');
  }

  /** A write command, through group commit (`changed` after the commit). */
  private write<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.commands.run(fn);
  }

  /** Creates that arrive while one is being written share the next transaction (src/db/group-commit.ts). */
  private readonly creates = new GroupCommit<NewTaskDraft, Task>({
    writeMany: (rows, traceparents) => this.insertMany(rows, traceparents, { batch: true }),
    writeOne: async (row, traceparent) => (await this.insertMany([row], [traceparent]))[0]!,
    maxBatch: 64,
    span: 'tasks insert',
  });

  async create(userId: string, body: TaskCreate): Promise<Task> {
    return this.creates.submit(await this.draft(userId, body, this.deps.now()));
  }

  /**
   * Several tasks in one transaction, all or none (the MCP `add_tasks` tool): a field error names
   * its task (`tasks/2/title`), and nothing is written.
   */
  async createMany(userId: string, bodies: TaskCreate[]): Promise<Task[]> {
    const now = this.deps.now();
    const drafts: NewTaskDraft[] = [];
    for (const [i, body] of bodies.entries()) {
      try {
        drafts.push(await this.draft(userId, body, now));
      } catch (err) {
        if (err instanceof ValidationError) throw new ValidationError(err.errors.map((e) => ({ ...e, field: `tasks/${i}/${e.field}` })));
        if (err instanceof NotFoundError) throw new NotFoundError(`tasks/${i}: ${err.message}`);
        throw err;
      }
    }
    // not through group commit: the request's own context is the active one (null: take it)
    return this.insertMany(
      drafts,
      drafts.map(() => null),
    );
  }

  private async draft(userId: string, body: TaskCreate, now: Date): Promise<NewTaskDraft> {
    // the user's zone: read by the INSERT itself when the store is the database, else looked up now
    const stored = body.timezone === undefined ? this.deps.preferences.zoneInSql?.(userId) : undefined;
    const zone = body.timezone ?? (stored ? DEFAULT_PREFERENCES.timezone : (await this.deps.preferences.get(userId)).timezone);
    const f = mergeFields({ ...NEW_TASK, timezone: zone }, body);
    const place = await this.placeOfNew(userId, body);
    // a viewer cannot add tasks (the caller's own Inbox needs no look-up)
    if (body.project_id !== undefined || body.parent_id != null) await mustEditTasks(this.deps.db, userId, place.project_id);
    const assignee_id = await assigneeAfter(this.deps.db, null, place.project_id, body.assignee_id);
    await this.cap?.check(userId);
    await this.projectCap?.check(place.project_id);
    const completed = body.completed ?? false;
    if (!completed) refusePastReminders(f, null, now);
    return {
      ...columnsOf(f),
      ...(stored && { timezone: stored }),
      ...place,
      assignee_id,
      position: '', // the end of its list, given in the transaction that writes it (insertAll)
      user_id: userId,
      completed,
      completed_at: completed ? now : null,
      ...seriesFor(f),
      // set here, not by the column default: now() has microseconds, which the JSON and the
      // list cursor (millisecond ISO strings) cannot carry, so keyset pages would repeat rows
      created_at: now,
      updated_at: now,
    };
  }

  /**
   * New tasks with their reminders and their events, in one transaction. `batch` (a group commit's
   * batch): a statement's failure is reported as BatchNotCommitted (nothing was committed, so each
   * create can be written again alone); a failed COMMIT is not, its outcome being unknown.
   */
  private async insertMany(drafts: NewTaskDraft[], traceparents: (string | null)[], opts: { batch?: boolean } = {}): Promise<Task[]> {
    let reminders = false;
    const tasks = await this.deps.db.transaction().execute(async (tx) => {
      try {
        const written = await this.insertAll(tx, drafts, traceparents);
        reminders = wroteReminders(tx);
        return written;
      } catch (err) {
        throw opts.batch ? new BatchNotCommitted(err) : err;
      }
    });
    this.deps.changed({ reminders });
    return tasks;
  }

  /** Where a new task goes: its parent's project, the given project, or the Inbox (each checked visible: else 404). */
  private async placeOfNew(userId: string, body: TaskCreate): Promise<{ project_id: number; parent_id: number | null }> {
    const db = this.deps.db;
    if (body.parent_id != null) {
      const parent = await mustFind(db, userId, body.parent_id);
      if (body.project_id !== undefined && body.project_id !== parent.project_id)
        throw new ValidationError([{ field: 'parent_id', message: 'a subtask is in the project of its parent' }]);
      if ((await levelOf(db, parent.id)) + 1 > this.deps.maxLevels) throw tooDeep(this.deps.maxLevels);
      return { project_id: parent.project_id, parent_id: parent.id };
    }
    if (body.project_id === undefined) return { project_id: await this.deps.inboxes.idOf(userId), parent_id: null };
    const project = await findProject(db, userId, body.project_id);
    if (!project) throw new NotFoundError(`project ${body.project_id} not found`);
    if (project.archived) throw new ValidationError([{ field: 'project_id', message: 'the project is archived' }]);
    return { project_id: project.id, parent_id: null };
  }

  /** `traceparents[i]`: the trace of the request that created drafts[i] (null when tracing is off). */
  private async insertAll(tx: Tx, drafts: NewTaskDraft[], traceparents: (string | null)[]): Promise<Task[]> {
    // each at the end of its list, in the order given
    const scopes = drafts.map((d): Scope => ({ projectId: d.project_id, parentId: d.parent_id ?? null }));
    const last = await lastKeys(tx, scopes);
    drafts.forEach((d, i) => {
      const k = scopeKey(scopes[i]!);
      d.position = keyAfter(last.get(k) ?? null);
      last.set(k, d.position);
    });
    const rows = await insertTasks(tx, drafts);
    const tasks = rows.map((r) => toTask(r, NO_SUBTASKS));
    await insertReminders(
      tx,
      rows.flatMap((row, i) =>
        pendingReminders({ ...row, reminders: tasks[i]!.reminders }, row.created_at).map((r) => ({ ...r, traceparent: traceparents[i] })),
      ),
    );
    await appendManyToOutbox(
      tx,
      TOPICS.taskEvents,
      rows.map((row, i) => ({
        ...taskEvent(row.completed ? 'completed' : 'created', tasks[i]!, row.created_at),
        traceparent: traceparents[i],
      })),
    );
    for (const t of tasks) if (t.assignee_id) await noticeAssigned(tx, [t], t.user_id, new Date(t.created_at));
    return tasks;
  }

  async get(userId: string, id: number): Promise<Task> {
    return withCountsOne(this.deps.db, await mustFind(this.deps.db, userId, id));
  }

  async list(userId: string, query: ListQuery): Promise<ListPage> {
    const db = this.deps.db;
    if (query.projectId !== undefined && !(await findProject(db, userId, query.projectId)))
      throw new NotFoundError(`project ${query.projectId} not found`);
    if (query.parentId !== undefined) await mustFind(db, userId, query.parentId);
    const now = this.deps.now();
    const view = query.view && resolveView(query.view, query.view.tz ?? (await this.deps.preferences.get(userId)).timezone, now);
    return listTasks(db, userId, { ...query, window: view }, now);
  }

  /** To another list (project, parent) and/or another place in it, with its subtasks. */
  async move(userId: string, id: number, body: MoveBody, ifMatch?: number): Promise<Task> {
    if (body.before_id !== undefined && body.after_id !== undefined)
      throw new ValidationError([{ field: 'after_id', message: 'give before_id or after_id, not both' }]);
    const now = this.deps.now();
    return this.write(async (tx) => {
      const { row: current } = await mustEdit(tx, userId, id, { ifMatch });
      const place = await relocate(tx, userId, current, body, this.organizing(), this.recorder(), now);
      const assignee_id = await assigneeAfter(tx, current, place.project_id, undefined);
      const row = await updateTask(tx, id, { ...place, assignee_id, updated_at: now, version: current.version + 1 });
      return this.recorded(tx, row, 'updated', now);
    });
  }

  private organizing(): Relocation {
    return { maxLevels: this.deps.maxLevels, projectCap: this.projectCap };
  }

  async update(userId: string, id: number, body: TaskUpdate, ifMatch?: number): Promise<Task> {
    const now = this.deps.now();
    return this.write(async (tx) => {
      const { row: current } = await mustEdit(tx, userId, id, { ifMatch });
      const before = fieldsOf(current);
      const f = mergeFields(before, body);
      const completed = body.completed ?? current.completed;
      if (!completed) refusePastReminders(f, before, now);
      const moves =
        (body.project_id !== undefined && body.project_id !== current.project_id) ||
        (body.parent_id !== undefined && body.parent_id !== current.parent_id);
      const place = moves
        ? await relocate(
            tx,
            userId,
            current,
            { project_id: body.project_id, parent_id: body.parent_id },
            this.organizing(),
            this.recorder(),
            now,
          )
        : undefined;
      const assignee_id = await assigneeAfter(tx, current, place?.project_id ?? current.project_id, body.assignee_id);
      if (completed && !current.completed) await completeSubtasks(tx, current.id, now, this.recorder());
      const row = await updateTask(tx, id, {
        ...place,
        ...columnsOf(f),
        ...seriesAfterEdit(current, f),
        assignee_id,
        completed,
        completed_at: completed ? (current.completed_at ?? now) : null,
        updated_at: now,
        version: current.version + 1,
      });
      const type: TaskEventType = completed && !current.completed ? 'completed' : 'updated';
      const task = await this.recorded(tx, row, type, now);
      if (assignee_id !== current.assignee_id) await noticeAssigned(tx, [task], userId, now);
      return task;
    });
  }

  /** `completed` undefined toggles; setting the value it already has changes nothing. */
  async setCompleted(userId: string, id: number, completed: boolean | undefined, ifMatch?: number): Promise<Task> {
    const now = this.deps.now();
    return this.write(async (tx) => {
      const { row: current, counts, audience } = await mustEdit(tx, userId, id, { ifMatch });
      const target = completed ?? !current.completed;
      if (target === current.completed) return toTask(current, counts);
      // completing a parent completes its open subtasks (of every level), each with its own event
      const cascades = target && counts.subtask_count > 0;
      if (cascades) await completeSubtasks(tx, id, now, this.recorder());
      // the task's pending reminders go in the same statement (a completed task has none; reopened, it gets its own back below)
      const row = await tx
        .with('cleared', (db) => clearReminders(db, id, target).returning('id'))
        .updateTable('tasks')
        .set({ completed: target, completed_at: target ? now : null, updated_at: now, version: current.version + 1 })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      // its subtasks changed only if it cascaded; its project, not at all
      const task = cascades ? await withCountsOne(tx, row) : toTask(row, counts);
      await insertReminders(tx, pendingReminders({ ...row, reminders: task.reminders }, now));
      await recordTaskEvent(tx, target ? 'completed' : 'updated', task, now, audience);
      return task;
    });
  }

  /** The task and its subtasks (all levels), each with its `deleted` event. */
  async remove(userId: string, id: number, ifMatch?: number): Promise<void> {
    const now = this.deps.now();
    await this.write(async (tx) => {
      await mustEdit(tx, userId, id, { ifMatch });
      const tree = await subtree(tx, id);
      const rows = await tasksById(
        tx,
        tree.map((t) => t.id),
        { lock: true },
      );
      const tasks = await withCounts(tx, rows);
      await appendManyToOutbox(
        tx,
        TOPICS.taskEvents,
        tasks.map((t) => taskEvent('deleted', t, now)),
      );
      await keepDeleted(tx, { rootId: id, userId, at: now, tasks: tree });
      await deleteTasks(
        tx,
        rows.map((r) => r.id),
      );
    });
  }

  /**
   * A deleted task back (undo): the same id, history and place, with the subtasks deleted with it,
   * each with a `created` event marked `restored`. Restoring a task that is not deleted answers it
   * as it is, so a retried restore succeeds.
   */
  async restore(userId: string, id: number): Promise<Task> {
    const now = this.deps.now();
    return this.write(async (tx) => {
      const deleted = await findDeleted(tx, id, now);
      if (!deleted) return withCountsOne(tx, await mustFind(tx, userId, id));
      if (!(await roleIn(tx, userId, deleted.projectId))) throw new NotFoundError(`task ${id} not found`);
      await mustEditTasks(tx, userId, deleted.projectId);
      if (deleted.rootId !== id) throw new ConflictError(`task ${id} was deleted with task ${deleted.rootId}: restore that one`);
      const project = await findProject(tx, userId, deleted.projectId);
      if (project?.archived) throw new ConflictError(`its project is archived: unarchive the project first`);
      await this.cap?.check(userId);
      await this.projectCap?.check(deleted.projectId);
      const rows = await restoreDeleted(tx, id, now, await this.placeOfRestored(tx, deleted));
      await markMixedIfForeign(
        tx,
        deleted.projectId,
        rows.map((r) => r.id),
      );
      const tasks = await withCounts(tx, rows);
      await insertReminders(
        tx,
        rows.flatMap((row, i) => pendingReminders({ ...row, reminders: tasks[i]!.reminders }, now)),
      );
      await appendManyToOutbox(
        tx,
        TOPICS.taskEvents,
        tasks.map((t) => restoredEvent(t, now)),
      );
      return tasks[0]!;
    });
  }

  /** Where a restored task goes: where it was (null), else — its parent is gone, or the tree would be too deep — at the end of its project's top level. */
  private async placeOfRestored(tx: Tx, d: Deleted): Promise<{ parent_id: number | null; position: string } | null> {
    if (d.parentId === null) return null;
    const [parent] = await tasksById(tx, [d.parentId]);
    if (parent?.project_id === d.projectId && (await levelOf(tx, parent.id)) + d.height <= this.deps.maxLevels) return null;
    return { parent_id: null, position: keyAfter(await lastKey(tx, { projectId: d.projectId, parentId: null })) };
  }

  async history(userId: string, id: number): Promise<HistoryEntry[]> {
    const { creator, entries } = await readHistory(this.deps.db, id);
    // a member sees the history of a task it can see; its creator also that of a task deleted since
    if (creator !== userId) await mustFind(this.deps.db, userId, id);
    return entries;
  }

  private recorder() {
    return (tx: Tx, row: TaskRow, type: TaskEventType, now: Date) => this.recorded(tx, row, type, now);
  }

  /** Re-derive reminders and append the event: the two things every write owes. */
  private async recorded(tx: Tx, row: TaskRow, type: TaskEventType, now: Date): Promise<Task> {
    const task = await withCountsOne(tx, row);
    await syncReminders(tx, { ...row, reminders: task.reminders }, now);
    await recordTaskEvent(tx, type, task, now);
    return task;
  }
}

/** What a new task is before its body: the zone comes from the body or the user's preferences. */
const NEW_TASK: Omit<TaskFields, 'timezone'> = {
  title: '',
  description: '',
  priority: 'none',
  tags: [],
  due_date: null,
  reminders: [],
  recurrence: null,
  recurrence_basis: 'due_date',
};

/** A recurring task starts its series at its due date. */
function seriesFor(f: TaskFields) {
  if (!f.recurrence) return { series_id: null, series_start: null, series_index: 0 };
  return { series_id: randomUUID(), series_start: f.due_date, series_index: 0 };
}

/**
 * A new rule restarts the series (COUNT counts from here); a moved due date re-anchors the
 * schedule to it but keeps the position, so the series keeps its remaining COUNT.
 */
function seriesAfterEdit(current: TaskRow, f: TaskFields) {
  if (!f.recurrence) return {};
  if (!current.series_id || f.recurrence !== current.recurrence) return { ...seriesFor(f), series_id: current.series_id ?? randomUUID() };
  if (f.due_date?.getTime() !== current.due_date?.getTime()) return { series_start: f.due_date };
  return {};
}

/** A reminder set for a time already past would never fire: refuse it (see pastReminders). */
function refusePastReminders(f: TaskFields, had: TaskFields | null, now: Date): void {
  const past = pastReminders(f, had, now);
  if (past.length)
    throw new ValidationError(
      past.map((i) => ({
        field: `reminders/${i}`,
        message: `must be in the future: its time has already passed (now ${now.toISOString()})`,
      })),
    );
}

/**
 * A task the caller may change, locked for the change: visible (else 404) in a project where it is
 * owner or editor (else 403), at the version the client expects (`ifMatch`, else 412).
 */
async function mustEdit(tx: Tx, userId: string, id: number, opts: { ifMatch?: number } = {}): Promise<Editable> {
  const found = await findEditable(tx, userId, id);
  if (!found) throw new NotFoundError(`task ${id} not found`);
  mayEditTasks(found.role, found.row.project_id);
  if (opts.ifMatch !== undefined && opts.ifMatch !== found.row.version) throw new PreconditionFailedError(found.row.version);
  return found;
}

/**
 * The assignee is a member of the task's project (its owner included), or null.
 * `asked` (the body's field) is checked (422 for anyone else); absent, the task keeps its
 * assignee unless it moves to a project where that user is no member.
 */
async function assigneeAfter(
  db: Db | Tx,
  current: TaskRow | null,
  projectId: number,
  asked: string | null | undefined,
): Promise<string | null> {
  if (asked === null) return null;
  if (asked !== undefined) {
    if (asked !== current?.assignee_id || projectId !== current.project_id)
      if (!(await isMember(db, projectId, asked)))
        throw new ValidationError([{ field: 'assignee_id', message: `user ${asked} is not a member of project ${projectId}` }]);
    return asked;
  }
  const kept = current?.assignee_id ?? null;
  if (kept && projectId !== current!.project_id && !(await isMember(db, projectId, kept))) return null;
  return kept;
}

/** A task the caller can see (else 404). */
async function mustFind(db: Db | Tx, userId: string, id: number, opts: { lock?: boolean } = {}): Promise<TaskRow> {
  const row = await findTask(db, userId, id, opts);
  if (!row) throw new NotFoundError(`task ${id} not found`);
  return row;
}
