/**
 * The list views behind the hash routes: all tasks, a project (the Inbox is one),
 * Today and Upcoming, plus the settings screen. Each view knows the API query that lists it and
 * mirrors the server's rule, so a live event lands in (or leaves) the view without a refetch.
 * Day boundaries are computed in the user's zone (preferences), not the browser's.
 */

/** What the views read of a task (api.ts's Task has it; kept structural so tests run without the DOM). */
export interface ViewTask {
  id: number;
  due_date: string | null;
  completed: boolean;
  project_id: number | string;
  position: string;
}

export type View =
  | { kind: 'all' }
  /** `id` is a project id from the route, or 'inbox' until the projects are loaded */
  | { kind: 'project'; id: string }
  | { kind: 'today' }
  | { kind: 'upcoming'; days: number }
  | { kind: 'settings' };

export type Overlay = { kind: 'new' } | { kind: 'edit' | 'history'; id: number };

export const UPCOMING_DAYS = [7, 14, 28] as const;

/** Hash routes: #/, #/inbox, #/today, #/upcoming[/N], #/projects/:id, #/settings[/integrations], and the task overlays. */
export function parseView(hash: string): View {
  if (hash === '#/inbox') return { kind: 'project', id: 'inbox' };
  if (hash === '#/today') return { kind: 'today' };
  if (hash === '#/settings' || hash === '#/settings/integrations') return { kind: 'settings' };
  const up = /^#\/upcoming(?:\/(\d{1,2}))?$/.exec(hash);
  if (up) return { kind: 'upcoming', days: Math.min(60, Math.max(1, Number(up[1] ?? 7))) };
  const p = /^#\/projects\/([^/?#]+)$/.exec(hash);
  if (p) return { kind: 'project', id: decodeURIComponent(p[1] as string) };
  return { kind: 'all' };
}

export function parseOverlay(hash: string): Overlay | null {
  const m = /^#\/tasks\/(new|\d+)(\/history)?$/.exec(hash);
  if (!m) return null;
  if (m[1] === 'new') return { kind: 'new' };
  return { kind: m[2] ? 'history' : 'edit', id: Number(m[1]) };
}

export const viewKey = (v: View): string =>
  v.kind === 'project' ? `project:${v.id}` : v.kind === 'upcoming' ? `upcoming:${v.days}` : v.kind;

// ---------------------------------------------------------------------------------------------
// Calendar days in an IANA zone, with Intl only (the Temporal polyfill stays in the editor chunk).

const partsFmt = new Map<string, Intl.DateTimeFormat>();
function fmt(zone: string): Intl.DateTimeFormat {
  let f = partsFmt.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      return fmt('UTC');
    }
    partsFmt.set(zone, f);
  }
  return f;
}

function wall(at: Date, zone: string): { y: number; m: number; d: number; h: number; min: number; s: number } {
  const p = Object.fromEntries(
    fmt(zone)
      .formatToParts(at)
      .map((x) => [x.type, x.value]),
  );
  return { y: +p.year!, m: +p.month!, d: +p.day!, h: +p.hour! % 24, min: +p.minute!, s: +p.second! };
}

/** The calendar day ("YYYY-MM-DD") of an instant in a zone. */
export function dayKey(at: Date | string, zone: string): string {
  const w = wall(typeof at === 'string' ? new Date(at) : at, zone);
  return `${w.y}-${String(w.m).padStart(2, '0')}-${String(w.d).padStart(2, '0')}`;
}

export function addDays(key: string, n: number): string {
  const [y, m, d] = key.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday */
export const weekday = (key: string): number => new Date(`${key}T00:00:00Z`).getUTCDay();

/** The instant a calendar day starts in a zone (DST-safe: the offset is re-read at the guess). */
export function startOfDayIn(key: string, zone: string): Date {
  const [y, m, d] = key.split('-').map(Number) as [number, number, number];
  const target = Date.UTC(y, m - 1, d);
  let guess = target;
  for (let i = 0; i < 3; i++) {
    const w = wall(new Date(guess), zone);
    const shown = Date.UTC(w.y, w.m - 1, w.d, w.h, w.min, w.s);
    if (shown === target) break;
    guess += target - shown;
  }
  return new Date(guess);
}

/** The first day of the week that holds `key` (week_start from preferences). */
export function weekOf(key: string, weekStart: 'monday' | 'sunday'): string {
  const first = weekStart === 'sunday' ? 0 : 1;
  return addDays(key, -((weekday(key) - first + 7) % 7));
}

// ---------------------------------------------------------------------------------------------
// The views' rules, mirrored from the server (src/tasks/organize.ts) for live events.

export interface ViewContext {
  zone: string;
  /** the resolved project id of a project view (the Inbox's real id once known) */
  projectId: string | null;
  now?: Date;
}

export function matchesView(t: ViewTask, v: View, ctx: ViewContext): boolean {
  const now = ctx.now ?? new Date();
  switch (v.kind) {
    case 'project':
      return !t.completed && ctx.projectId !== null && String(t.project_id) === ctx.projectId;
    case 'today':
      return !t.completed && t.due_date !== null && new Date(t.due_date) < startOfDayIn(addDays(dayKey(now, ctx.zone), 1), ctx.zone);
    case 'upcoming': {
      // from now to the end of the days-th calendar day, today being the first
      if (t.completed || t.due_date === null) return false;
      const due = new Date(t.due_date).getTime();
      return due >= now.getTime() && due < startOfDayIn(addDays(dayKey(now, ctx.zone), v.days), ctx.zone).getTime();
    }
    default:
      return true;
  }
}

/** Manual order (sort=position): keys compared as strings by code unit, as the server does; ties by id. */
export const byPosition = (a: { position: string; id: number }, b: { position: string; id: number }): number =>
  a.position < b.position ? -1 : a.position > b.position ? 1 : a.id - b.id;

export interface DayGroup<T> {
  key: string;
  tasks: T[];
}
export interface WeekGroup<T> {
  key: string;
  days: DayGroup<T>[];
}

/** Upcoming: every day of the range (today is the first of `days`), in weeks that start on week_start. */
export function groupUpcoming<T extends ViewTask>(
  tasks: readonly T[],
  days: number,
  zone: string,
  weekStart: 'monday' | 'sunday',
  now = new Date(),
): WeekGroup<T>[] {
  const first = dayKey(now, zone);
  const last = addDays(first, days - 1);
  const byDay = new Map<string, T[]>();
  for (const t of tasks) {
    if (!t.due_date) continue;
    const k = dayKey(t.due_date, zone);
    byDay.set(k, [...(byDay.get(k) ?? []), t]);
  }
  const weeks: WeekGroup<T>[] = [];
  for (let k = first; k <= last; k = addDays(k, 1)) {
    const w = weekOf(k, weekStart);
    if (weeks[weeks.length - 1]?.key !== w) weeks.push({ key: w, days: [] });
    weeks[weeks.length - 1]!.days.push({ key: k, tasks: byDay.get(k) ?? [] });
  }
  return weeks;
}

/** Today: what is overdue (due before today began), then what is due today. */
export function splitToday<T extends ViewTask>(tasks: readonly T[], zone: string, now = new Date()): { overdue: T[]; today: T[] } {
  const start = startOfDayIn(dayKey(now, zone), zone).getTime();
  const overdue: T[] = [];
  const today: T[] = [];
  for (const t of tasks) (t.due_date && new Date(t.due_date).getTime() < start ? overdue : today).push(t);
  return { overdue, today };
}

const dayFmt = new Map<string, Intl.DateTimeFormat>();
/** "Mon 7 Dec" for a calendar day (formatted at UTC noon: the key is already the zone's day). */
export function dayLabel(key: string, opts: Intl.DateTimeFormatOptions = { weekday: 'short', day: 'numeric', month: 'short' }): string {
  const id = JSON.stringify(opts);
  let f = dayFmt.get(id);
  if (!f) dayFmt.set(id, (f = new Intl.DateTimeFormat(undefined, { ...opts, timeZone: 'UTC' })));
  return f.format(new Date(`${key}T12:00:00Z`));
}

/** A project view's real project id: "inbox" resolves to the Inbox once the projects are loaded. */
export function resolveProjectId(v: View, projects: readonly { id: string | number; inbox: boolean }[]): string | null {
  if (v.kind !== 'project') return null;
  if (v.id !== 'inbox') return v.id;
  const inbox = projects.find((p) => p.inbox);
  return inbox ? String(inbox.id) : null;
}
