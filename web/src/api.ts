/**
 * The REST client: JSON in and out, RFC 9457 problems turned into ApiError (with per-field
 * messages in plain sentences), the session: the access token in memory, renewed from the HttpOnly refresh-token
 * cookie when it nears its expiry or is refused (so a reload, too, starts with a refresh).
 */

import type { Task as ServerTask, TaskUpdate, Reminder } from '../../src/tasks/model.js';
import type { RecurrenceBasis } from '../../src/recurrence/index.js';
import type { HistoryEntry } from '../../src/audit/model.js';
import type { Notification } from '../../src/notifications/model.js';
import { plainMessage } from './plain-errors';

// the server's schemas are the contract: the client uses their types (and the priorities themselves)
export { PRIORITIES, PRIORITY_RANK, type Priority } from '../../src/tasks/priorities.js';
export type { HistoryEntry, RecurrenceBasis, Reminder };

export type Task = ServerTask;

export type MemberRole = 'editor' | 'viewer';
/** A member of a project; the owner is listed first with role `owner`. */
export interface Member {
  user_id: string;
  email: string | null;
  name: string | null;
  role: 'owner' | MemberRole;
  added_at: string;
}

/** Project ids are compared as strings in routes: the client does not depend on their type. */
export type ProjectId = number | string;

export interface Project {
  id: ProjectId;
  name: string;
  color: string;
  position: string;
  archived: boolean;
  inbox: boolean;
  owner_id: string;
  role: 'owner' | 'editor' | 'viewer';
  member_count: number;
  /** tasks not completed, subtasks included (the sidebar's count) */
  open_task_count: number;
  created_at: string;
  updated_at: string;
  version: number;
}

export type ProjectInput = Partial<Pick<Project, 'name' | 'color' | 'archived'>>;

export type WeekStart = 'monday' | 'sunday';
export interface Preferences {
  timezone: string;
  week_start?: WeekStart;
  name?: string | null;
}

/** `POST …/tasks/{id}/move`: where the task goes (its subtasks move with it). */
export interface MoveInput {
  project_id?: ProjectId;
  parent_id?: number | null;
  before_id?: number;
  after_id?: number;
}

/** PUT/POST body: absent fields unchanged (PUT) or defaulted (POST); a project id as the client holds it. */
export type TaskInput = Omit<TaskUpdate, 'project_id'> & { project_id?: ProjectId };

export interface TaskEvent {
  event_id: string;
  event_type: 'created' | 'updated' | 'deleted' | 'completed';
  task_id: number;
  user_id: string;
  timestamp: string;
  data?: Task;
}

/** set once the reminder was snoozed: when it fires again (as a new notification) */
export type AppNotification = Notification & { snoozed_until?: string | null };

/** The `notification` SSE event (a notifications-topic message). */
export interface NotificationEvent {
  notification_id: string;
  type: string;
  user_id: string;
  task_id: number | null;
  title: string;
  body: string;
  due_date: string | null;
  remind_at: string;
  late?: boolean;
  timestamp: string;
}

export interface FieldError {
  field: string;
  message: string;
}

/** What a request that never reached the server says (connection.ts clears it once the connection is back). */
export const UNREACHABLE = 'Cannot reach the server. Check your connection and try again.';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
  }
  /** Field errors by top-level field name ("reminders/0/at" → "reminders/0/at" and "reminders"); each message names its field. */
  fieldMessage(field: string): string | undefined {
    return (this.fields.find((f) => f.field === field) ?? this.fields.find((f) => f.field.startsWith(field + '/')))?.message;
  }
}

export interface Session {
  /** the access token: in memory only (a script injected into the page cannot find it in storage) */
  token: string;
  userId: string;
  email: string;
  /** when the access token expires (ms); 0 = none yet: the next request refreshes first */
  expiresAt: number;
}

/**
 * Which account this browser was signed in to (no secret): after a reload the app starts as that
 * account and gets an access token from the refresh-token cookie (HttpOnly, so no script reads it).
 */
const ACCOUNT_KEY = 'taskstream.account';

function rememberedAccount(): Session | null {
  try {
    const a = JSON.parse(localStorage.getItem(ACCOUNT_KEY) ?? 'null') as { userId?: string; email?: string } | null;
    return a?.userId ? { token: '', userId: a.userId, email: a.email ?? '', expiresAt: 0 } : null;
  } catch {
    return null;
  }
}

// an earlier version kept a 24-hour access token here: it goes
try {
  localStorage.removeItem('taskstream.session');
} catch {
  /* storage unavailable */
}
let current: Session | null = rememberedAccount();
let onUnauthorized: () => void = () => {};

export const getSession = () => current;
export function setSession(s: Session | null): void {
  current = s;
  if (s) localStorage.setItem(ACCOUNT_KEY, JSON.stringify({ userId: s.userId, email: s.email }));
  else localStorage.removeItem(ACCOUNT_KEY);
}
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

export interface Reply<T> {
  body: T;
  headers: Headers;
  status: number;
}

let refreshing: Promise<Session | null> | null = null;

/**
 * A new access token from the refresh-token cookie (which rotates); null when the session ended.
 * One refresh at a time in this tab, and across tabs (Web Locks): the server treats a second use
 * of a rotated refresh token as theft and ends the session.
 */
export function refreshSession(): Promise<Session | null> {
  refreshing ??= (async () => {
    try {
      const run = async (): Promise<Session | null> => {
        let res: Response;
        try {
          res = await fetch('/api/auth/refresh', { method: 'POST', headers: { accept: 'application/json' } });
        } catch {
          throw new ApiError(0, UNREACHABLE);
        }
        if (!res.ok) return null;
        const body = (await res.json()) as { access_token: string; expires_in: number; user_id: string };
        if (current && current.userId !== body.user_id) return null; // another tab signed in to another account meanwhile
        const email = current?.email ?? '';
        return { token: body.access_token, userId: body.user_id, email, expiresAt: Date.now() + body.expires_in * 1000 };
      };
      const next = await (navigator.locks ? navigator.locks.request('taskstream-refresh', run) : run());
      if (next && current) current = next;
      return next;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** refresh this long before the access token expires */
const EARLY_MS = 30_000;

export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  /** a 401 that means "wrong password", not "session over" (password change) */
  keepSessionOn401 = false,
  /** set on the one retry after a refresh */
  retried = false,
): Promise<Reply<T>> {
  const h: Record<string, string> = { accept: 'application/json', ...headers };
  const authenticated = current !== null && !path.startsWith('/api/auth/');
  if (authenticated && current!.expiresAt - Date.now() < EARLY_MS) {
    if (!(await refreshSession())) {
      onUnauthorized();
      throw new ApiError(401, 'Your session has ended. Please sign in again.');
    }
  }
  if (authenticated && current) h.authorization = `Bearer ${current.token}`;
  if (body !== undefined) h['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, UNREACHABLE);
  }
  // an access token refused before its time (revoked signing key, clock skew): one refresh, one retry
  if (res.status === 401 && authenticated && !retried && current) {
    current = { ...current, expiresAt: 0 };
    return request<T>(method, path, body, headers, keepSessionOn401, true);
  }
  const text = await res.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (!res.ok) {
    const p = (parsed ?? {}) as { title?: string; detail?: string; errors?: FieldError[] };
    if (res.status === 401 && authenticated && current && !keepSessionOn401) onUnauthorized();
    // the validator's words ("must NOT have more than 200 characters") as sentences people read
    const fields = (Array.isArray(p.errors) ? p.errors : []).map((f) => ({ field: f.field, message: plainMessage(f.field, f.message) }));
    const detail = fields.length ? fields.map((f) => f.message).join(' ') : (p.detail ?? p.title ?? `Request failed (${res.status})`);
    throw new ApiError(res.status, detail, fields);
  }
  return { body: parsed as T, headers: res.headers, status: res.status };
}

const userPath = (suffix: string) => `/api/${encodeURIComponent(current?.userId ?? '')}${suffix}`;

export const api = {
  async register(email: string, password: string, name?: string) {
    return (await request<{ user_id: string; email: string }>('POST', '/api/auth/register', { email, password, ...(name ? { name } : {}) }))
      .body;
  },
  async login(email: string, password: string): Promise<Session> {
    const r = await request<{ access_token: string; expires_in: number; user_id: string }>('POST', '/api/auth/login', { email, password });
    return { token: r.body.access_token, userId: r.body.user_id, email, expiresAt: Date.now() + r.body.expires_in * 1000 };
  },
  async listTasks(query: URLSearchParams | string) {
    const path = typeof query === 'string' ? query : userPath(`/tasks?${query.toString()}`);
    const r = await request<Task[]>('GET', path);
    // a long list is counted only up to a cap: then the server says how many at least
    const atLeast = r.headers.get('x-total-count-at-least');
    const total = Number(r.headers.get('x-total-count') ?? atLeast ?? r.body.length);
    return { tasks: r.body, total, totalAtLeast: atLeast !== null, next: nextLink(r.headers.get('link')) };
  },
  async getTask(id: number) {
    return (await request<Task>('GET', userPath(`/tasks/${id}`))).body;
  },
  async createTask(input: TaskInput) {
    return (await request<Task>('POST', userPath('/tasks'), input)).body;
  },
  async updateTask(id: number, input: TaskInput, version?: number) {
    const headers: Record<string, string> = version === undefined ? {} : { 'if-match': `"${version}"` };
    return (await request<Task>('PUT', userPath(`/tasks/${id}`), input, headers)).body;
  },
  async deleteTask(id: number) {
    await request<null>('DELETE', userPath(`/tasks/${id}`));
  },
  /** a deleted task back, the same one (its id, history and subtasks) */
  async restoreTask(id: number) {
    return (await request<Task>('POST', userPath(`/tasks/${id}/restore`))).body;
  },
  async setCompleted(id: number, completed: boolean) {
    return (await request<Task>('PATCH', userPath(`/tasks/${id}/complete`), { completed })).body;
  },
  async history(id: number) {
    return (await request<HistoryEntry[]>('GET', userPath(`/tasks/${id}/history`))).body;
  },
  async notifications() {
    const r = await request<AppNotification[]>('GET', userPath('/notifications?limit=50'));
    return { items: r.body, unread: Number(r.headers.get('x-unread-count') ?? 0) };
  },
  async markRead(id: string) {
    return (await request<AppNotification>('POST', userPath(`/notifications/${id}/read`))).body;
  },
  async snooze(id: string, minutes: number) {
    return (await request<AppNotification & { snoozed_until: string }>('POST', userPath(`/notifications/${id}/snooze`), { minutes })).body;
  },
  async markAllRead() {
    await request('POST', userPath('/notifications/read-all'));
  },
  async preferences() {
    return (await request<Preferences>('GET', userPath('/preferences'))).body;
  },
  async setPreferences(prefs: string | Preferences) {
    const body = typeof prefs === 'string' ? { timezone: prefs } : prefs;
    return (await request<Preferences>('PUT', userPath('/preferences'), body)).body;
  },
  async changePassword(current_password: string, new_password: string) {
    await request<null>('POST', userPath('/password'), { current_password, new_password }, {}, true);
  },
  async projects() {
    return (await request<Project[]>('GET', userPath('/projects'))).body;
  },
  async createProject(input: ProjectInput) {
    return (await request<Project>('POST', userPath('/projects'), input)).body;
  },
  async updateProject(id: ProjectId, input: ProjectInput, version?: number) {
    const headers: Record<string, string> = version === undefined ? {} : { 'if-match': `"${version}"` };
    return (await request<Project>('PUT', userPath(`/projects/${encodeURIComponent(id)}`), input, headers)).body;
  },
  async deleteProject(id: ProjectId) {
    await request<null>('DELETE', userPath(`/projects/${encodeURIComponent(id)}`));
  },
  async members(projectId: ProjectId) {
    return (await request<Member[]>('GET', userPath(`/projects/${encodeURIComponent(projectId)}/members`))).body;
  },
  async addMember(projectId: ProjectId, email: string, role: MemberRole) {
    return (await request<Member>('POST', userPath(`/projects/${encodeURIComponent(projectId)}/members`), { email, role })).body;
  },
  async updateMember(projectId: ProjectId, userId: string, role: MemberRole) {
    const path = userPath(`/projects/${encodeURIComponent(projectId)}/members/${encodeURIComponent(userId)}`);
    return (await request<Member>('PUT', path, { role })).body;
  },
  async removeMember(projectId: ProjectId, userId: string) {
    await request<null>('DELETE', userPath(`/projects/${encodeURIComponent(projectId)}/members/${encodeURIComponent(userId)}`));
  },
  async moveTask(id: number, input: MoveInput) {
    return (await request<Task>('POST', userPath(`/tasks/${id}/move`), input)).body;
  },
  /** the live stream's URL with a single-use ticket (EventSource cannot send the bearer header) */
  async streamUrl() {
    const r = await request<{ ticket: string }>('POST', userPath('/stream-ticket'));
    return userPath(`/stream?ticket=${encodeURIComponent(r.body.ticket)}`);
  },
  /** ends this browser's session on the server (the refresh cookie); best effort */
  async logout() {
    await fetch('/api/auth/logout', { method: 'POST' }).catch(() => undefined);
  },
  /** sign out everywhere: every session of the account ends, this one included */
  async signOutEverywhere() {
    await request<null>('DELETE', userPath('/sessions'));
  },
};

/** `<url>; rel="next"` → url */
export function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m) return m[1] ?? null;
  }
  return null;
}
