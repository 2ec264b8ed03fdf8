/**
 * The calendar feed (DESIGN §9): a secret URL per user, rotated on demand, RFC 5545 with
 * VTIMEZONE / RRULE / VALARM, parsed here by a real parser (ical.js) whose expansion of every
 * recurring task over its next year must match our own src/recurrence; ETag / If-None-Match.
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

  test("a shared project's tasks are in its members' feeds (DESIGN §8), and joining changes the ETag", async () => {
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
