/**
 * The calendar feed: a secret URL per user, rotated on demand, RFC 5545 with
 * VTIMEZONE / RRULE / VALARM, parsed here by a real parser (ical.js) whose expansion of every
 * recurring task over its next year must match our own src/recurrence; ETag / If-None-Match; feeds of
 * one project (any member, 404 for others, ended when the member leaves) and URLs shown again.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import ICAL from 'ical.js';
import { client, signUp, type Session, type TestApp } from './support/app.js';
import { startTestApp } from './support/util.js';
import { previewOccurrences } from '../src/recurrence/index.js';
import { Temporal } from '../src/recurrence/timezone.js';

/** whether the wall-clock time of `ms` in `zone` is in a spring gap or an autumn overlap on its day */
function isDstEdge(zone: string, ms: number): boolean {
  const z = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone);
  const day = z.toPlainDate();
  const offsets = [0, 6, 12, 18, 23].map(
    (h) => day.toZonedDateTime({ timeZone: zone, plainTime: new Temporal.PlainTime(h) }).offsetNanoseconds,
  );
  return new Set(offsets).size > 1 && Math.abs(z.epochMilliseconds - ms) < 1 && z.hour >= 1 && z.hour <= 4;
}

/** The series' wall-clock time on the day of `ms`, resolved as RFC 5545 §3.3.5 says (earlier offset in an overlap, pre-gap offset in a gap). */
function rfcInstant(zone: string, ms: number, firstDue: string): number {
  const time = Temporal.Instant.from(firstDue).toZonedDateTimeISO(zone).toPlainTime();
  const day = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone).toPlainDate();
  // 'compatible' is exactly that rule: a gap time moves forward by the gap (= read with the offset before it), an overlap takes the earlier
  return day.toPlainDateTime(time).toZonedDateTime(zone, { disambiguation: 'compatible' }).epochMilliseconds;
}

let app: TestApp;
let alice: Session;
before(async () => {
  app = await startTestApp();
  alice = await signUp(app.url, 'cal');
});
after(async () => app?.close());

const a = () => client(app.url, alice.token);
const YEAR_MS = 366 * 86_400_000;

/** Due dates in the future, with DST changes inside the year each series covers. */
const SERIES: { title: string; due: string; timezone: string; recurrence: string; years?: number; dstEdges?: number }[] = [
  { title: 'daily Berlin 09:00', due: '2027-01-10T09:00:00+01:00', timezone: 'Europe/Berlin', recurrence: 'daily' },
  { title: 'weekly preset NY', due: '2027-02-01T18:30:00-05:00', timezone: 'America/New_York', recurrence: 'weekly' },
  { title: 'monthly preset from Jan 31', due: '2027-01-31T08:00:00+11:00', timezone: 'Australia/Sydney', recurrence: 'monthly' },
  { title: 'monthly preset from the 30th', due: '2027-01-30T23:45:00-03:00', timezone: 'America/Sao_Paulo', recurrence: 'monthly' },
  // a yearly series says little in one year: eight cover two leap years
  { title: 'yearly preset from Feb 29', due: '2028-02-29T12:00:00+00:00', timezone: 'Europe/London', recurrence: 'yearly', years: 8 },
  { title: 'yearly preset in spring', due: '2027-03-28T01:30:00+00:00', timezone: 'Europe/Lisbon', recurrence: 'yearly', years: 8 },
  {
    title: 'BYDAY=MO,WE interval 2',
    due: '2027-01-04T07:15:00-08:00',
    timezone: 'America/Los_Angeles',
    recurrence: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE',
  },
  { title: 'last day of month', due: '2027-01-31T20:00:00+01:00', timezone: 'Europe/Paris', recurrence: 'FREQ=MONTHLY;BYMONTHDAY=-1' },
  { title: 'the 31st only', due: '2027-01-31T10:00:00+05:30', timezone: 'Asia/Kolkata', recurrence: 'FREQ=MONTHLY;BYMONTHDAY=31' },
  { title: 'count 5 daily', due: '2027-03-26T23:30:00+01:00', timezone: 'Europe/Berlin', recurrence: 'FREQ=DAILY;COUNT=5' },
  {
    title: 'until, weekdays',
    due: '2027-03-01T09:00:00-06:00',
    timezone: 'America/Chicago',
    recurrence: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20270331T235959Z',
  },
  { title: 'second Sunday', due: '2027-01-10T10:00:00+13:00', timezone: 'Pacific/Auckland', recurrence: 'FREQ=MONTHLY;BYDAY=2SU' },
  // 02:30 does not exist on 2027-03-28 and 2028-03-26 and exists twice on 2027-10-31 in Berlin
  { title: 'DST gap time', due: '2027-03-27T02:30:00+01:00', timezone: 'Europe/Berlin', recurrence: 'daily', dstEdges: 3 },
];

interface Parsed {
  events: Map<string, ICAL.Event>;
  vtimezones: string[];
}

function parse(text: string): Parsed {
  const cal = new ICAL.Component(ICAL.parse(text));
  const vtimezones: string[] = [];
  for (const tz of cal.getAllSubcomponents('vtimezone')) {
    ICAL.TimezoneService.register(tz);
    vtimezones.push(String(tz.getFirstPropertyValue('tzid')));
  }
  const events = new Map<string, ICAL.Event>();
  for (const v of cal.getAllSubcomponents('vevent')) {
    const e = new ICAL.Event(v);
    events.set(e.summary, e);
  }
  return { events, vtimezones };
}

/** ical.js's own expansion of an event from its start up to `until`. */
function expand(e: ICAL.Event, until: number): number[] {
  const out: number[] = [];
  const it = e.iterator();
  for (let t = it.next(); t && out.length < 1000; t = it.next()) {
    const ms = t.toJSDate().getTime();
    if (ms > until) break;
    out.push(ms);
  }
  return out;
}

describe('calendar feed', () => {
  let path: string;

  test('POST creates a secret URL; the feed is public at it, private without it', async () => {
    const r = await a().post(`/api/${alice.userId}/calendar-feed`);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.match(r.body.path, /^\/ical\/[A-Za-z0-9_-]{43}\.ics$/);
    assert.equal(r.body.url, `${app.url}${r.body.path}`);
    path = r.body.path;
    const feed = await fetch(app.url + path);
    assert.equal(feed.status, 200);
    assert.match(feed.headers.get('content-type') ?? '', /^text\/calendar/);
    const text = await feed.text();
    assert.match(text, /^BEGIN:VCALENDAR\r\n/);
    assert.equal((await fetch(`${app.url}/ical/${'x'.repeat(43)}.ics`)).status, 404);
    assert.equal((await fetch(`${app.url}/ical/nonsense`)).status, 404);
    // any name that is not a live feed's is 404, a long one too (it was an undocumented 422)
    const long = await fetch(`${app.url}/ical/${'x'.repeat(200)}.ics`);
    assert.equal(long.status, 404);
    assert.match(long.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal((await client(app.url).post(`/api/${alice.userId}/calendar-feed`)).status, 401);
  });

  test('every recurring task expands (ical.js) to the occurrences src/recurrence computes, for a year', async () => {
    const created = [];
    for (const s of SERIES) {
      const r = await a().post(`/api/${alice.userId}/tasks`, {
        title: s.title,
        due_date: s.due,
        timezone: s.timezone,
        recurrence: s.recurrence,
      });
      assert.equal(r.status, 201, `${s.title}: ${JSON.stringify(r.body)}`);
      created.push(r.body);
    }
    const text = await (await fetch(app.url + path)).text();
    const { events, vtimezones } = parse(text);
    for (const zone of new Set(SERIES.map((s) => s.timezone))) {
      assert.ok(vtimezones.includes(zone), `VTIMEZONE for ${zone}`);
    }
    for (const [i, task] of created.entries()) {
      const years = SERIES[i]!.years ?? 1;
      const e = events.get(task.title);
      assert.ok(e, `event for ${task.title}`);
      assert.ok(e.isRecurring(), `${task.title} has an RRULE`);
      assert.equal(e.startDate.zone?.tzid, task.timezone, `${task.title}: DTSTART;TZID is the task's zone`);
      const start = Date.parse(task.due_date);
      const horizon = start + years * YEAR_MS;
      const ours = previewOccurrences(task.recurrence, task.timezone, new Date(start), 1000)
        .map((d) => d.getTime())
        .filter((ms) => ms <= horizon);
      const theirs = expand(e, horizon);
      assert.ok(ours.length >= (years > 1 ? years : 5), `${task.title}: a meaningful series (${ours.length})`);
      assert.equal(theirs.length, ours.length, `${task.title}: as many occurrences`);
      // Where the wall-clock time does not exist (spring gap) or exists twice (autumn overlap),
      // RFC 5545 §3.3.5 says: the offset before the gap, the first of the two. src/recurrence does
      // so; ical.js 2.2 takes the other offset. Those instants must differ by exactly that hour,
      // and ours must be the RFC's; every other instant must be identical.
      const differing = ours.flatMap((ms, k) => (theirs[k] === ms ? [] : [k]));
      for (const k of differing) {
        assert.equal(Math.abs(theirs[k]! - ours[k]!), 3_600_000, `${task.title}: occurrence ${k} differs by the DST hour only`);
        const wall = Temporal.Instant.fromEpochMilliseconds(theirs[k]!).toZonedDateTimeISO(task.timezone).toPlainDateTime();
        const local = ICAL.Time.fromJSDate(new Date(theirs[k]!), true).toString(); // for the message
        assert.ok(
          isDstEdge(task.timezone, ours[k]!),
          `${task.title}: occurrence ${k} (${new Date(ours[k]!).toISOString()}, ical.js ${local}, ${wall}) is at a DST edge`,
        );
        assert.equal(rfcInstant(task.timezone, ours[k]!, SERIES[i]!.due), ours[k], `${task.title}: RFC 5545 §3.3.5 instant`);
      }
      assert.equal(differing.length, SERIES[i]!.dstEdges ?? 0, `${task.title}: DST-edge occurrences`);
    }
  });

  test('reminders become VALARMs; a one-off task has no RRULE; completed tasks leave the feed', async () => {
    const due = '2027-05-05T15:00:00+02:00';
    const one = (
      await a().post(`/api/${alice.userId}/tasks`, {
        title: 'one-off with reminders',
        description: 'Bring the forms',
        due_date: due,
        timezone: 'Europe/Berlin',
        reminders: [{ before_minutes: 30 }, { at: '2027-05-04T15:00:00+02:00' }],
      })
    ).body;
    const done = (await a().post(`/api/${alice.userId}/tasks`, { title: 'already done', due_date: due })).body;
    await a().patch(`/api/${alice.userId}/tasks/${done.id}/complete`, { completed: true });
    const { events } = parse(await (await fetch(app.url + path)).text());
    const e = events.get(one.title)!;
    assert.ok(e);
    assert.equal(e.isRecurring(), false);
    assert.equal(e.description, 'Bring the forms');
    assert.equal(e.startDate.toJSDate().getTime(), Date.parse(due));
    const triggers = e.component
      .getAllSubcomponents('valarm')
      .map((v) => (v.getFirstPropertyValue('trigger') as ICAL.Duration).toSeconds())
      .sort((x, y) => x - y);
    assert.deepEqual(triggers, [-86_400, -1800]);
    assert.equal(events.has('already done'), false);
  });

  test('ETag / If-None-Match: 304 while nothing changed, a new ETag after a change', async () => {
    const first = await fetch(app.url + path);
    const etag = first.headers.get('etag');
    assert.ok(etag);
    await first.text();
    const again = await fetch(app.url + path, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), '');
    const t = (await a().post(`/api/${alice.userId}/tasks`, { title: 'new one', due_date: '2027-06-01T10:00:00Z' })).body;
    const changed = await fetch(app.url + path, { headers: { 'if-none-match': etag } });
    assert.equal(changed.status, 200);
    const etag2 = changed.headers.get('etag');
    assert.notEqual(etag2, etag);
    assert.match(await changed.text(), /SUMMARY:new one/);
    await a().del(`/api/${alice.userId}/tasks/${t.id}`);
    const afterDelete = await fetch(app.url + path, { headers: { 'if-none-match': etag2! } });
    assert.equal(afterDelete.status, 200, 'a deletion changes the ETag too');
    assert.doesNotMatch(await afterDelete.text(), /SUMMARY:new one/);
  });

  test("a shared project's tasks are in its members' feeds, and joining changes the ETag", async () => {
    const member = await signUp(app.url, 'cal-member');
    const m = client(app.url, member.token);
    const feed = (await m.post(`/api/${member.userId}/calendar-feed`)).body;
    const before = await fetch(app.url + feed.path);
    const etag = before.headers.get('etag')!;
    assert.doesNotMatch(await before.text(), /SUMMARY:team deadline/);
    const project = (await a().post(`/api/${alice.userId}/projects`, { name: 'Team' })).body;
    await a().post(`/api/${alice.userId}/tasks`, { title: 'team deadline', due_date: '2027-07-01T16:00:00Z', project_id: project.id });
    const added = await a().post(`/api/${alice.userId}/projects/${project.id}/members`, { email: member.email, role: 'viewer' });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const after = await fetch(app.url + feed.path, { headers: { 'if-none-match': etag } });
    assert.equal(after.status, 200);
    assert.match(await after.text(), /SUMMARY:team deadline/);
  });

  test('rotating kills the old URL at once; revoking kills the feed', async () => {
    const r = await a().post(`/api/${alice.userId}/calendar-feed`);
    assert.equal(r.status, 201);
    assert.notEqual(r.body.path, path);
    assert.equal((await fetch(app.url + path)).status, 404, 'the old URL is dead');
    assert.equal((await fetch(app.url + r.body.path)).status, 200);
    assert.equal((await a().del(`/api/${alice.userId}/calendar-feed`)).status, 204);
    assert.equal((await fetch(app.url + r.body.path)).status, 404);
    assert.equal((await a().del(`/api/${alice.userId}/calendar-feed`)).status, 404);
  });
});

describe('feeds of one project, and URLs shown again', () => {
  test('the feed URL can be read back; a feed made before URLs were kept, or under another AUTH_SECRET, shows none', async () => {
    const u = await signUp(app.url, 'cal-show');
    const c = client(app.url, u.token);
    assert.equal((await c.get(`/api/${u.userId}/calendar-feed`)).status, 404, 'none yet');
    const made = (await c.post(`/api/${u.userId}/calendar-feed`)).body;
    assert.equal(made.project_id, null);
    const shown = await c.get(`/api/${u.userId}/calendar-feed`);
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.body, made, 'the same URL, read back');
    assert.deepEqual((await c.get(`/api/${u.userId}/calendar-feeds`)).body, [made]);
    const db = app.running.services.db;
    // a row of before 0013 has no seed: the URL still works but cannot be shown
    await db.updateTable('calendar_feeds').set({ url_seed: null }).where('user_id', '=', u.userId).execute();
    const old = (await c.get(`/api/${u.userId}/calendar-feed`)).body;
    assert.deepEqual([old.url, old.path, old.created_at], [null, null, made.created_at]);
    assert.equal((await fetch(app.url + made.path)).status, 200);
    // a seed whose token is not the stored one (AUTH_SECRET changed): not shown either
    await db.updateTable('calendar_feeds').set({ url_seed: 'some-other-seed' }).where('user_id', '=', u.userId).execute();
    assert.equal((await c.get(`/api/${u.userId}/calendar-feed`)).body.url, null);
  });

  test("a project's feed: its tasks only, for any member; 404 for others; ends when the member leaves", async () => {
    const [owner, viewer, stranger] = await Promise.all([
      signUp(app.url, 'pf-owner'),
      signUp(app.url, 'pf-viewer'),
      signUp(app.url, 'pf-stranger'),
    ]);
    const o = client(app.url, owner.token);
    const v = client(app.url, viewer.token);
    const x = client(app.url, stranger.token);
    const project = (await o.post(`/api/${owner.userId}/projects`, { name: 'Launch' })).body;
    const other = (await o.post(`/api/${owner.userId}/projects`, { name: 'Elsewhere' })).body;
    await o.post(`/api/${owner.userId}/tasks`, { title: 'ship it', due_date: '2027-05-01T09:00:00Z', project_id: project.id });
    await o.post(`/api/${owner.userId}/tasks`, { title: 'not in the project', due_date: '2027-05-02T09:00:00Z', project_id: other.id });
    const path = (u: Session) => `/api/${u.userId}/projects/${project.id}/calendar-feed`;

    // someone who cannot see the project: 404 on every route, nothing made
    for (const method of ['GET', 'POST', 'DELETE'] as const) assert.equal((await x.call(method, path(stranger))).status, 404, method);
    assert.deepEqual((await x.get(`/api/${stranger.userId}/calendar-feeds`)).body, []);

    const mine = await o.post(path(owner));
    assert.equal(mine.status, 201, JSON.stringify(mine.body));
    assert.equal(mine.body.project_id, project.id);
    assert.match(mine.body.path, /^\/ical\/[A-Za-z0-9_-]{43}\.ics$/);
    const feed = await fetch(app.url + mine.body.path);
    const text = await feed.text();
    assert.match(text, /SUMMARY:ship it/);
    assert.doesNotMatch(text, /not in the project/);
    assert.match(text, /X-WR-CALNAME:Taskstream: Launch/);
    const etag = feed.headers.get('etag')!;
    // a change in another project leaves this feed's ETag alone; one in this project moves it
    await o.post(`/api/${owner.userId}/tasks`, { title: 'elsewhere again', project_id: other.id });
    assert.equal((await fetch(app.url + mine.body.path, { headers: { 'if-none-match': etag } })).status, 304);
    await o.post(`/api/${owner.userId}/tasks`, { title: 'also launch', due_date: '2027-05-03T09:00:00Z', project_id: project.id });
    const moved = await fetch(app.url + mine.body.path, { headers: { 'if-none-match': etag } });
    assert.equal(moved.status, 200);
    assert.match(await moved.text(), /SUMMARY:also launch/);
    // the owner's own feed is another URL, untouched by the project's
    const own = (await o.post(`/api/${owner.userId}/calendar-feed`)).body;
    assert.notEqual(own.path, mine.body.path);
    assert.equal((await fetch(app.url + mine.body.path)).status, 200);

    // a viewer may have one of their own
    assert.equal(
      (await o.post(`/api/${owner.userId}/projects/${project.id}/members`, { email: viewer.email, role: 'viewer' })).status,
      201,
    );
    const theirs = await v.post(path(viewer));
    assert.equal(theirs.status, 201);
    assert.notEqual(theirs.body.path, mine.body.path);
    assert.match(await (await fetch(app.url + theirs.body.path)).text(), /SUMMARY:ship it/);
    assert.deepEqual((await v.get(`/api/${viewer.userId}/calendar-feeds`)).body, [theirs.body]);
    assert.deepEqual((await v.get(path(viewer))).body, theirs.body);
    // the owner lists theirs; the viewer's is not the owner's business
    assert.deepEqual(
      (await o.get(`/api/${owner.userId}/calendar-feeds`)).body.map((f: any) => f.project_id),
      [null, project.id],
    );

    // rotating the project feed kills its old URL only
    const rotated = (await o.post(path(owner))).body;
    assert.equal((await fetch(app.url + mine.body.path)).status, 404);
    assert.equal((await fetch(app.url + rotated.path)).status, 200);
    assert.equal((await fetch(app.url + own.path)).status, 200);
    assert.equal((await fetch(app.url + theirs.body.path)).status, 200);

    // removed from the project: the viewer's feed ends, and is gone from their list
    assert.equal((await o.del(`/api/${owner.userId}/projects/${project.id}/members/${viewer.userId}`)).status, 204);
    assert.equal((await fetch(app.url + theirs.body.path)).status, 404);
    assert.deepEqual((await v.get(`/api/${viewer.userId}/calendar-feeds`)).body, []);
    assert.equal((await v.get(path(viewer))).status, 404);

    // revoked, then the project deleted: nothing left
    assert.equal((await o.del(path(owner))).status, 204);
    assert.equal((await fetch(app.url + rotated.path)).status, 404);
    assert.equal((await o.del(path(owner))).status, 404);
    const again = (await o.post(path(owner))).body;
    assert.equal((await o.del(`/api/${owner.userId}/projects/${project.id}`)).status, 204);
    assert.equal((await fetch(app.url + again.path)).status, 404);
    assert.deepEqual(
      (await o.get(`/api/${owner.userId}/calendar-feeds`)).body.map((f: any) => f.project_id),
      [null],
    );
  });

  test('bad project ids are 422 naming the field; personal access tokens cannot manage feeds', async () => {
    const u = await signUp(app.url, 'pf-bad');
    const c = client(app.url, u.token);
    const r = await c.post(`/api/${u.userId}/projects/not-a-number/calendar-feed`);
    assert.equal(r.status, 422);
    assert.ok(
      r.body.errors.some((e: any) => e.field === 'project_id'),
      JSON.stringify(r.body),
    );
    const pat = (await c.post(`/api/${u.userId}/tokens`, { name: 'x', scopes: ['tasks:read', 'tasks:write'] })).body.token;
    const project = (await c.post(`/api/${u.userId}/projects`, { name: 'P' })).body;
    for (const [method, url] of [
      ['GET', `/api/${u.userId}/calendar-feeds`],
      ['GET', `/api/${u.userId}/calendar-feed`],
      ['POST', `/api/${u.userId}/projects/${project.id}/calendar-feed`],
    ] as const)
      assert.equal((await client(app.url, pat).call(method, url)).status, 403, `${method} ${url}`);
  });
});
