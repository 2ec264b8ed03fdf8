/**
 * The REST calls of the Integrations screen: personal access tokens, webhooks and their
 * delivery log, calendar feeds. All of them take a login (the API refuses personal access tokens
 * here), which is what the app holds.
 */
import { getSession, request, type ProjectId } from '../api';
import type { AccessToken, Scope } from '../../../src/auth/access-token-model';

const userPath = (suffix: string) => `/api/${encodeURIComponent(getSession()?.userId ?? '')}${suffix}`;
const bodyOf = async <T>(reply: Promise<{ body: T }>): Promise<T> => (await reply).body;

export { SCOPES, type AccessToken, type Scope } from '../../../src/auth/access-token-model';

export const WEBHOOK_EVENTS = ['task.created', 'task.updated', 'task.completed', 'task.deleted'] as const;

export interface Webhook {
  id: number;
  url: string;
  events: string[];
  /** false once disabled after repeated failures */
  enabled: boolean;
  consecutive_failures: number;
  disabled_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface Delivery {
  id: number;
  webhook_id: number;
  message_id: string;
  event_type: string;
  status: 'pending' | 'sending' | 'succeeded' | 'failed';
  attempts: number;
  response_status: number | null;
  duration_ms: number | null;
  error: string | null;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  created_at: string;
}

export interface CalendarFeed {
  /** null: every task the user sees */
  project_id: number | null;
  /** null when it cannot be shown again (regenerate to get one) */
  url: string | null;
  created_at: string;
}

const feedPath = (projectId: ProjectId | null) =>
  projectId === null ? '/calendar-feed' : `/projects/${encodeURIComponent(projectId)}/calendar-feed`;

export const integrations = {
  tokens: () => bodyOf(request<AccessToken[]>('GET', userPath('/tokens'))),
  createToken: (input: { name: string; scopes: Scope[]; expires_at: string | null }) =>
    bodyOf(request<AccessToken & { token: string }>('POST', userPath('/tokens'), input)),
  revokeToken: async (id: string) => void (await request<null>('DELETE', userPath(`/tokens/${encodeURIComponent(id)}`))),

  webhooks: () => bodyOf(request<Webhook[]>('GET', userPath('/webhooks'))),
  createWebhook: (input: { url: string; events: string[] }) =>
    bodyOf(request<Webhook & { secret: string }>('POST', userPath('/webhooks'), input)),
  deleteWebhook: async (id: number) => void (await request<null>('DELETE', userPath(`/webhooks/${id}`))),
  enableWebhook: (id: number) => bodyOf(request<Webhook>('POST', userPath(`/webhooks/${id}/enable`))),
  testWebhook: (id: number) => bodyOf(request<Delivery>('POST', userPath(`/webhooks/${id}/test`))),
  deliveries: (id: number, limit = 10) => bodyOf(request<Delivery[]>('GET', userPath(`/webhooks/${id}/deliveries?limit=${limit}`))),

  feeds: () => bodyOf(request<CalendarFeed[]>('GET', userPath('/calendar-feeds'))),
  rotateFeed: (projectId: ProjectId | null) => bodyOf(request<CalendarFeed>('POST', userPath(feedPath(projectId)))),
  revokeFeed: async (projectId: ProjectId | null) => void (await request<null>('DELETE', userPath(feedPath(projectId)))),
};

/** An API error's text for a screen (field errors named by their field). */
export function problemText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const fields = (err as { fields?: { field: string; message: string }[] }).fields ?? [];
  return fields.length ? fields.map((f) => (f.field.startsWith('(') ? f.message : `${f.field}: ${f.message}`)).join('; ') : err.message;
}

/** "4 Dec 2026, 20:15" in the user's zone */
export function when(iso: string, zone: string): string {
  try {
    return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone: zone }).format(new Date(iso));
  } catch {
    return new Date(iso).toLocaleString();
  }
}

/** "5 minutes ago", "in 3 days" */
export function relative(iso: string, now = Date.now()): string {
  const s = (new Date(iso).getTime() - now) / 1000;
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  const abs = Math.abs(s);
  if (abs < 60) return rtf.format(Math.round(s), 'second');
  if (abs < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 86_400) return rtf.format(Math.round(s / 3600), 'hour');
  if (abs < 86_400 * 60) return rtf.format(Math.round(s / 86_400), 'day');
  return rtf.format(Math.round(s / (86_400 * 30)), 'month');
}
