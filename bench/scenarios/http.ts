/**
 * HTTP throughput and latency: list with keyword search + filter, complete (toggle), create —
 * each at several connection counts. Requests are spread over many users and tasks.
 */
import type { Request } from 'autocannon';
import type { Session } from '../lib/api.js';
import { cpuMeter, type Groups } from '../lib/cpu.js';
import { load, type LoadResult } from '../lib/load.js';
import { log, pick, rng } from '../lib/util.js';
import { FILLER, NOUNS, SEARCH_TERMS, TAGS, VERBS } from '../lib/words.js';

export interface HttpOptions {
  url: string;
  sessions: readonly Session[];
  /** task ids per user, for complete */
  tasks: ReadonlyMap<string, readonly number[]>;
  connections: readonly number[];
  warmupS: number;
  durationS: number;
  runs: number;
  /** called around each scenario × connection count (RSS sampling) */
  around?: <T>(label: string, fn: () => Promise<T>) => Promise<T>;
  /** process groups whose CPU is counted during each measured run */
  cpu?: Groups;
}

export type HttpKind = 'list_search' | 'complete' | 'create';

export interface HttpResults {
  list_search: LoadResult[];
  complete: LoadResult[];
  create: LoadResult[];
}

const auth = (s: Session) => ({ authorization: `Bearer ${s.token}` });

export function listRequest(r: () => number, sessions: readonly Session[]): Request {
  const s = pick(r, sessions);
  const q = pick(r, SEARCH_TERMS);
  const shapes = [
    `q=${q}&status=pending&sort=due_date`,
    `q=${q}&tag=${pick(r, TAGS)}`,
    `q=${q}&priority=high,urgent&sort=-priority`,
    `q=${q}&status=all&sort=-updated_at`,
  ];
  return { method: 'GET', path: `/api/${s.userId}/tasks?${pick(r, shapes)}&limit=50`, headers: auth(s) };
}

export function createBody(r: () => number, now = Date.now()): Record<string, unknown> {
  const words = Array.from({ length: 8 + Math.floor(r() * 18) }, () => (r() < 0.3 ? pick(r, NOUNS) : pick(r, FILLER)));
  const tags = [...new Set(Array.from({ length: Math.floor(r() * 4) }, () => pick(r, TAGS)))];
  // at least 61 minutes ahead: a reminder up to 60 minutes before it is in the future (a past one is refused)
  const due = r() < 0.75 ? new Date(now + Math.floor(61 + r() * 60 * 24 * 60) * 60_000) : null;
  const body: Record<string, unknown> = {
    title: `${pick(r, VERBS)} ${pick(r, NOUNS)}${r() < 0.5 ? ` ${pick(r, NOUNS)}` : ''}`,
    description: words.join(' '),
    priority: pick(r, ['none', 'low', 'medium', 'high', 'urgent']),
    tags,
  };
  if (due) {
    body.due_date = due.toISOString();
    if (r() < 0.4) body.reminders = [{ before_minutes: pick(r, [10, 15, 30, 60]) }];
    if (r() < 0.08) body.recurrence = pick(r, ['daily', 'weekly', 'monthly']);
  }
  return body;
}

export function createRequest(r: () => number, sessions: readonly Session[]): Request {
  const s = pick(r, sessions);
  return {
    method: 'POST',
    path: `/api/${s.userId}/tasks`,
    headers: { ...auth(s), 'content-type': 'application/json' },
    body: JSON.stringify(createBody(r)),
  };
}

export function completeRequest(r: () => number, sessions: readonly Session[], tasks: ReadonlyMap<string, readonly number[]>): Request {
  const s = pick(r, sessions);
  const ids = tasks.get(s.userId);
  if (!ids?.length) throw new Error(`no tasks for ${s.userId}`);
  // no body: toggles, so every request is a write (completed ↔ pending) with its event
  return { method: 'PATCH', path: `/api/${s.userId}/tasks/${pick(r, ids)}/complete`, headers: auth(s) };
}

export async function httpSuite(
  o: HttpOptions,
  kinds: readonly HttpKind[] = ['list_search', 'complete', 'create'],
): Promise<Partial<HttpResults>> {
  const withTasks = o.sessions.filter((s) => o.tasks.get(s.userId)?.length);
  const makers: Record<HttpKind, (r: () => number) => Request> = {
    list_search: (r) => listRequest(r, o.sessions),
    complete: (r) => completeRequest(r, withTasks, o.tasks),
    create: (r) => createRequest(r, o.sessions),
  };
  const around = o.around ?? (<T>(_l: string, fn: () => Promise<T>) => fn());
  const out: Partial<HttpResults> = {};
  for (const kind of kinds) {
    const results: LoadResult[] = [];
    for (const c of o.connections) {
      const r = rng(1000 + c);
      const res = await around(`${kind}@${c}`, () =>
        load({
          url: o.url,
          next: () => makers[kind](r),
          connections: c,
          warmupS: o.warmupS,
          durationS: o.durationS,
          runs: o.runs,
          probe: o.cpu ? () => cpuMeter(o.cpu!) : undefined,
          onRun: (i, s) =>
            log(
              `${kind} c=${c} run ${i + 1}: ${s.rps} req/s, p50 ${s.p50_ms} ms, p99 ${s.p99_ms} ms, non2xx ${s.non2xx}, errors ${s.errors}`,
            ),
        }),
      );
      results.push(res);
    }
    out[kind] = results;
  }
  return out;
}
