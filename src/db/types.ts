/** Row types of every table, as Kysely sees them. The migrations are the source of truth. */
import type { ColumnType, Generated, Insertable, Kysely, Selectable, Transaction, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json<T> = ColumnType<T, string, string>;

export interface UsersTable {
  id: string;
  email: string | null;
  name: string | null;
  password_hash: string | null;
  timezone: string | null;
  /** 'monday' | 'sunday'; null: the default (monday) */
  week_start: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
}

export interface StoredReminder {
  before_minutes?: number;
  at?: string;
}

export interface TasksTable {
  id: Generated<number>;
  user_id: string;
  title: string;
  description: string;
  completed: boolean;
  completed_at: Timestamp | null;
  /** 0 none … 4 urgent: stored as a rank so sorting is an index scan */
  priority: number;
  tags: string[];
  due_date: Timestamp | null;
  timezone: string;
  reminders: Json<StoredReminder[]>;
  recurrence: string | null;
  recurrence_basis: string;
  series_id: string | null;
  series_start: Timestamp | null;
  series_index: ColumnType<number, number | undefined, number>;
  /** the completed occurrence this task was spawned from: unique, so one completion spawns at most once */
  spawned_from: number | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  version: ColumnType<number, number | undefined, number>;
  project_id: number;
  /** a subtask's parent (same project) */
  parent_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** fractional-index key among its siblings (same project and parent), compared byte-wise */
  position: string;
  /** a member of its project, or null */
  assignee_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ProjectsTable {
  id: Generated<number>;
  owner_id: string;
  name: string;
  color: ColumnType<string, string | undefined, string>;
  position: string;
  archived: ColumnType<boolean, boolean | undefined, boolean>;
  inbox: ColumnType<boolean, boolean | undefined, never>;
  /** may hold tasks not created by its owner: shared once, or such a task moved in (never cleared) */
  mixed: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
  updated_at: Timestamp;
  version: ColumnType<number, number | undefined, number>;
}

export interface ProjectMembersTable {
  project_id: number;
  user_id: string;
  /** 'editor' | 'viewer' (the owner is projects.owner_id) */
  role: string;
  created_at: CreatedAt;
}

export interface RemindersTable {
  id: Generated<number>;
  task_id: number;
  user_id: string;
  remind_at: Timestamp;
  fired_at: Timestamp | null;
  /** set on a snooze: the notification this row fires again (one row per notification) */
  snooze_of: ColumnType<string | null, string | null | undefined, string | null>;
  /** W3C traceparent of the write that scheduled it (null when tracing is off) */
  traceparent: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface OutboxTable {
  seq: Generated<number>;
  topic: string;
  key: string;
  payload: Json<unknown>;
  created_at: CreatedAt;
  published_at: Timestamp | null;
  /** W3C traceparent of the request (or delivery) that wrote it (null when tracing is off) */
  traceparent: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface TaskHistoryTable {
  event_id: string;
  task_id: number;
  user_id: string;
  event_type: string;
  occurred_at: Timestamp;
  data: Json<unknown>;
}

export interface NotificationsTable {
  id: string;
  user_id: string;
  /** null for a notification that concerns no task (webhook_disabled) */
  task_id: number | null;
  type: string;
  title: string;
  body: string;
  due_date: Timestamp | null;
  remind_at: Timestamp;
  late: boolean;
  created_at: CreatedAt;
  read_at: Timestamp | null;
}

export interface DeadLettersTable {
  id: Generated<number>;
  topic: string;
  consumer: string;
  payload: Json<unknown>;
  error: string;
  created_at: CreatedAt;
}

export interface ConsumedEventsTable {
  consumer: string;
  event_id: string;
  consumed_at: CreatedAt;
}

export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: Timestamp;
}

export interface WebhooksTable {
  id: Generated<number>;
  user_id: string;
  url: string;
  events: string[];
  secret: string;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  consecutive_failures: ColumnType<number, number | undefined, number>;
  disabled_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  webhook_id: number;
  user_id: string;
  event_id: string;
  event_type: string;
  payload: Json<unknown>;
  /** pending | sending | succeeded | failed */
  status: ColumnType<string, string | undefined, string>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  last_attempt_at: Timestamp | null;
  response_status: number | null;
  duration_ms: number | null;
  error: string | null;
  created_at: CreatedAt;
}

export interface CalendarFeedsTable {
  id: Generated<number>;
  user_id: string;
  /** null: the user's feed of every task they see; else one project's (0013) */
  project_id: number | null;
  token_hash: string;
  /** the URL's token is HMAC(key, seed); null for feeds made before 0013 (their URL is not shown again) */
  url_seed: string | null;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface AccessTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: Buffer;
  /** the secret's last characters, so a user can tell tokens apart */
  hint: string;
  scopes: string[];
  created_at: CreatedAt;
  expires_at: Date | null;
  last_used_at: Date | null;
}

/** A deleted task kept for its grace period (src/tasks/trash.ts) */
export interface DeletedTasksTable {
  task_id: number;
  /** the task whose deletion was asked for: restoring it restores every row with this root */
  root_id: number;
  /** 1: the root, 2: its subtasks, … */
  depth: number;
  project_id: number;
  deleted_by: string;
  deleted_at: Timestamp;
  /** the `tasks` row as JSON */
  data: Json<unknown>;
}

export interface Database {
  users: UsersTable;
  tasks: TasksTable;
  projects: ProjectsTable;
  project_members: ProjectMembersTable;
  reminders: RemindersTable;
  outbox: OutboxTable;
  task_history: TaskHistoryTable;
  notifications: NotificationsTable;
  dead_letters: DeadLettersTable;
  leases: LeasesTable;
  consumed_events: ConsumedEventsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  calendar_feeds: CalendarFeedsTable;
  access_tokens: AccessTokensTable;
  deleted_tasks: DeletedTasksTable;
}

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Anything that can run a query: the pool or an open transaction. */
export type Executor = Db | Tx;
export type TaskRow = Selectable<TasksTable>;
export type NewTaskRow = Insertable<TasksTable>;
export type TaskUpdateRow = Updateable<TasksTable>;
export type ProjectRow = Selectable<ProjectsTable>;
export type NewProjectRow = Insertable<ProjectsTable>;
export type ProjectUpdateRow = Updateable<ProjectsTable>;
export type NotificationRow = Selectable<NotificationsTable>;
export type WebhookRow = Selectable<WebhooksTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
