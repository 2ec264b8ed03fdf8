/**
 * The quick-add phrase table: what a phrase typed in the web app or sent to the MCP `add_tasks`
 * tool means. "Now" is Friday 4 December 2026, 11:00 in Europe/Berlin (10:00 UTC); due times are
 * written as wall-clock times in that zone ("Sat 2026-12-05 09:00").
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Temporal } from 'temporal-polyfill';
import { parseQuickAdd, type QuickParse } from './quick-add.js';

const ZONE = 'Europe/Berlin';
const NOW = new Date('2026-12-04T10:00:00Z');

interface Expected {
  title: string;
  /** wall-clock in ZONE: "Fri 2026-12-04 20:00", or null */
  due: string | null;
  repeat?: string;
  tags?: string[];
  priority?: QuickParse['priority'];
  /** the "@project" target, as typed */
  project?: string;
}

const DAY = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
function wall(date: Date | null, zone = ZONE): string | null {
  if (!date) return null;
  const z = Temporal.Instant.fromEpochMilliseconds(date.getTime()).toZonedDateTimeISO(zone);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${DAY[z.dayOfWeek]} ${z.year}-${pad(z.month)}-${pad(z.day)} ${pad(z.hour)}:${pad(z.minute)}`;
}

const TABLE: [string, Expected][] = [
  // the phrases the quick-add promises to understand
  ['Read tonight', { title: 'Read', due: 'Fri 2026-12-04 20:00' }],
  ['Book club every last friday 7pm', { title: 'Book club', due: 'Fri 2026-12-25 19:00', repeat: 'FREQ=MONTHLY;BYDAY=-1FR' }],
  ['Review budget on Dec 20 at 5pm', { title: 'Review budget', due: 'Sun 2026-12-20 17:00' }],
  ['Meeting at 3', { title: 'Meeting', due: 'Fri 2026-12-04 15:00' }],
  ['Plan trip next week', { title: 'Plan trip', due: 'Mon 2026-12-07 09:00' }],
  ['#onlytag', { title: '', due: null, tags: ['onlytag'] }],
  // days
  ['Buy milk today', { title: 'Buy milk', due: 'Fri 2026-12-04 09:00' }],
  ['Buy milk tomorrow', { title: 'Buy milk', due: 'Sat 2026-12-05 09:00' }],
  ['Pay rent tomorrow 9am', { title: 'Pay rent', due: 'Sat 2026-12-05 09:00' }],
  ['Call Anna tmrw 8pm', { title: 'Call Anna', due: 'Sat 2026-12-05 20:00' }],
  ['Dentist tomorrow at 15:30', { title: 'Dentist', due: 'Sat 2026-12-05 15:30' }],
  ['Gym tomorrow morning', { title: 'Gym', due: 'Sat 2026-12-05 09:00' }],
  ['Walk the dog tomorrow afternoon', { title: 'Walk the dog', due: 'Sat 2026-12-05 15:00' }],
  ['Cook dinner this evening', { title: 'Cook dinner', due: 'Fri 2026-12-04 19:00' }],
  ['Water plants the day after tomorrow', { title: 'Water plants', due: 'Sun 2026-12-06 09:00' }],
  ['Call the bank monday', { title: 'Call the bank', due: 'Mon 2026-12-07 09:00' }],
  ['Submit report by friday', { title: 'Submit report', due: 'Fri 2026-12-11 09:00' }],
  ['Lunch with Sam fri at noon', { title: 'Lunch with Sam', due: 'Fri 2026-12-11 12:00' }],
  ['Haircut Sat 10am', { title: 'Haircut', due: 'Sat 2026-12-05 10:00' }],
  ['Team sync next tuesday at 2', { title: 'Team sync', due: 'Tue 2026-12-08 14:00' }],
  ['Clean garage this weekend', { title: 'Clean garage', due: 'Sat 2026-12-05 09:00' }],
  ['Plan trip next week at 3pm', { title: 'Plan trip', due: 'Mon 2026-12-07 15:00' }],
  ['Quarterly report next month', { title: 'Quarterly report', due: 'Fri 2027-01-01 09:00' }],
  ['Renew passport next year', { title: 'Renew passport', due: 'Fri 2027-01-01 09:00' }],
  ['Follow up in a week', { title: 'Follow up', due: 'Fri 2026-12-11 09:00' }],
  ['Follow up in 2 weeks', { title: 'Follow up', due: 'Fri 2026-12-18 09:00' }],
  ['Check oven in 30 minutes', { title: 'Check oven', due: 'Fri 2026-12-04 11:30' }],
  ['Take pills in 3 hours', { title: 'Take pills', due: 'Fri 2026-12-04 14:00' }],
  // dates
  ['Birthday party dec 24', { title: 'Birthday party', due: 'Thu 2026-12-24 09:00' }],
  ['Tax return March 3rd 2027', { title: 'Tax return', due: 'Wed 2027-03-03 09:00' }],
  ['Send card on 5 Jan', { title: 'Send card', due: 'Tue 2027-01-05 09:00' }],
  ['Kickoff jan 1 9am', { title: 'Kickoff', due: 'Fri 2027-01-01 09:00' }],
  ['Christmas shopping 12/20', { title: 'Christmas shopping', due: 'Sun 2026-12-20 09:00' }],
  ['Launch 2027-02-15', { title: 'Launch', due: 'Mon 2027-02-15 09:00' }],
  ['Pay invoice due on Dec 18', { title: 'Pay invoice', due: 'Fri 2026-12-18 09:00' }],
  ['Spring clean March 29 at 2:30pm', { title: 'Spring clean', due: 'Mon 2027-03-29 14:30' }],
  // times alone: the next such time
  ['Stand-up 5pm', { title: 'Stand-up', due: 'Fri 2026-12-04 17:00' }],
  ['Call mom at 7', { title: 'Call mom', due: 'Fri 2026-12-04 19:00' }],
  ['Alarm at 03:30', { title: 'Alarm', due: 'Sat 2026-12-05 03:30' }],
  ['Coffee at 10', { title: 'Coffee', due: 'Sat 2026-12-05 10:00' }],
  ['Call at 3:05', { title: 'Call', due: 'Fri 2026-12-04 15:05' }],
  ['Snack at midnight', { title: 'Snack', due: 'Sat 2026-12-05 00:00' }],
  ['Lunch at noon', { title: 'Lunch', due: 'Fri 2026-12-04 12:00' }],
  // repeats
  ['Standup every weekday 9:30am', { title: 'Standup', due: 'Mon 2026-12-07 09:30', repeat: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR' }],
  ['Gym every monday and thursday 7am', { title: 'Gym', due: 'Mon 2026-12-07 07:00', repeat: 'FREQ=WEEKLY;BYDAY=MO,TH' }],
  ['Team lunch every friday at noon', { title: 'Team lunch', due: 'Fri 2026-12-04 12:00', repeat: 'FREQ=WEEKLY;BYDAY=FR' }],
  ['Take vitamins every day', { title: 'Take vitamins', due: 'Sat 2026-12-05 09:00', repeat: 'daily' }],
  ['Journal every day at 9pm', { title: 'Journal', due: 'Fri 2026-12-04 21:00', repeat: 'daily' }],
  ['Water plants every 3 days', { title: 'Water plants', due: 'Sat 2026-12-05 09:00', repeat: 'FREQ=DAILY;INTERVAL=3' }],
  ['Timesheet weekly', { title: 'Timesheet', due: 'Sat 2026-12-05 09:00', repeat: 'weekly' }],
  [
    'Pay rent every month #home !high',
    { title: 'Pay rent', due: 'Sat 2026-12-05 09:00', repeat: 'monthly', tags: ['home'], priority: 'high' },
  ],
  ['Pay rent every 1st', { title: 'Pay rent', due: 'Fri 2027-01-01 09:00', repeat: 'FREQ=MONTHLY;BYMONTHDAY=1' }],
  ['Invoice every 15th of the month', { title: 'Invoice', due: 'Tue 2026-12-15 09:00', repeat: 'FREQ=MONTHLY;BYMONTHDAY=15' }],
  [
    'Close the books every last day of the month',
    { title: 'Close the books', due: 'Thu 2026-12-31 09:00', repeat: 'FREQ=MONTHLY;BYMONTHDAY=-1' },
  ],
  ['Board meeting every first monday', { title: 'Board meeting', due: 'Mon 2026-12-07 09:00', repeat: 'FREQ=MONTHLY;BYDAY=1MO' }],
  ['Review every second tuesday 10am', { title: 'Review', due: 'Tue 2026-12-08 10:00', repeat: 'FREQ=MONTHLY;BYDAY=2TU' }],
  ['Sprint review every other week', { title: 'Sprint review', due: 'Sat 2026-12-05 09:00', repeat: 'FREQ=WEEKLY;INTERVAL=2' }],
  ['Clean house every weekend', { title: 'Clean house', due: 'Sat 2026-12-05 09:00', repeat: 'FREQ=WEEKLY;BYDAY=SA,SU' }],
  ['Anniversary every year on March 3', { title: 'Anniversary', due: 'Wed 2027-03-03 09:00', repeat: 'yearly' }],
  ['Backup every 2 weeks starting monday', { title: 'Backup starting', due: 'Mon 2026-12-07 09:00', repeat: 'FREQ=WEEKLY;INTERVAL=2' }],
  // tags and priority
  ['Buy milk #errands #home', { title: 'Buy milk', due: null, tags: ['errands', 'home'] }],
  ['Fix bug !urgent', { title: 'Fix bug', due: null, priority: 'urgent' }],
  ['Fix bug p2', { title: 'Fix bug', due: null, priority: 'high' }],
  ['Read book !low #Reading', { title: 'Read book', due: null, tags: ['reading'], priority: 'low' }],
  ['Write #tests tomorrow p1', { title: 'Write', due: 'Sat 2026-12-05 09:00', tags: ['tests'], priority: 'urgent' }],
  ['#work !medium', { title: '', due: null, tags: ['work'], priority: 'medium' }],
  ['Email #büro', { title: 'Email', due: null, tags: ['büro'] }],
  // a project target: "@name" (tags are "#"); an address is not one
  ['Buy soil @garden tomorrow', { title: 'Buy soil', due: 'Sat 2026-12-05 09:00', project: 'garden' }],
  ['Plan beds @Garden-2027 #spring !high', { title: 'Plan beds', due: null, tags: ['spring'], priority: 'high', project: 'Garden-2027' }],
  ['@work Prepare slides friday 2pm', { title: 'Prepare slides', due: 'Fri 2026-12-11 14:00', project: 'work' }],
  ['Write to bob@example.com @home', { title: 'Write to bob@example.com', due: null, project: 'home' }],
  // no date at all, and words that only look like one
  ['Buy milk', { title: 'Buy milk', due: null }],
  ['Read a book about the sea', { title: 'Read a book about the sea', due: null }],
  ['Call the monster truck shop', { title: 'Call the monster truck shop', due: null }],
  ['Fix issue#12 in the parser', { title: 'Fix issue#12 in the parser', due: null }],
];

test(`the phrase table (${TABLE.length} phrases) in ${ZONE}`, () => {
  assert.ok(TABLE.length >= 60);
  const failures: string[] = [];
  for (const [phrase, want] of TABLE) {
    const got = parseQuickAdd(phrase, { now: NOW, timeZone: ZONE });
    const actual = {
      title: got.title,
      due: wall(got.due),
      repeat: got.recurrence,
      tags: got.tags,
      priority: got.priority,
      project: got.project,
    };
    const expected = {
      title: want.title,
      due: want.due,
      repeat: want.repeat ?? null,
      tags: want.tags ?? [],
      priority: want.priority ?? null,
      project: want.project ?? null,
    };
    try {
      assert.deepEqual(actual, expected);
    } catch {
      failures.push(`${JSON.stringify(phrase)}: got ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`);
    }
  }
  assert.deepEqual(failures, []);
});

test('a phrase means its wall-clock time in the zone it is read in, whatever the machine zone', () => {
  const tokyo = parseQuickAdd('Call tomorrow 9am', { now: NOW, timeZone: 'Asia/Tokyo' });
  assert.equal(wall(tokyo.due, 'Asia/Tokyo'), 'Sat 2026-12-05 09:00');
  assert.equal(tokyo.due?.toISOString(), '2026-12-05T00:00:00.000Z');
  const ny = parseQuickAdd('Call tomorrow 9am', { now: NOW, timeZone: 'America/New_York' });
  assert.equal(ny.due?.toISOString(), '2026-12-05T14:00:00.000Z');
  // "tonight" is the zone's tonight: 10:00 UTC is already 19:00 in Tokyo, so "today" differs by zone
  const late = new Date('2026-12-04T16:00:00Z'); // Sat 01:00 in Tokyo
  assert.equal(wall(parseQuickAdd('Read tonight', { now: late, timeZone: 'Asia/Tokyo' }).due, 'Asia/Tokyo'), 'Sat 2026-12-05 20:00');
});

test('a date across a DST change keeps its clock time (the offset of "now" is not reused)', () => {
  // Berlin is on +01:00 now and on +02:00 on 5 April 2027
  const r = parseQuickAdd('Easter brunch April 5 2027 at 11am', { now: NOW, timeZone: ZONE });
  assert.equal(r.due?.toISOString(), '2027-04-05T09:00:00.000Z');
  // a time in the spring-forward gap moves forward by the gap, as RFC 5545 and the API do
  const gap = parseQuickAdd('Odd hour March 28 2027 at 2:30am', { now: NOW, timeZone: ZONE });
  assert.equal(wall(gap.due), 'Sun 2027-03-28 03:30');
});

test('"next week" starts on the user\'s first day of the week', () => {
  const sunday = parseQuickAdd('Plan trip next week', { now: NOW, timeZone: ZONE, weekStart: 'sunday' });
  assert.equal(wall(sunday.due), 'Sun 2026-12-06 09:00');
});

test('a weekday alone typed on that weekday means next week', () => {
  const morning = new Date('2026-12-04T07:00:00Z'); // Friday 08:00 in Berlin
  assert.equal(wall(parseQuickAdd('Report friday', { now: morning, timeZone: ZONE }).due), 'Fri 2026-12-11 09:00');
  assert.equal(wall(parseQuickAdd('Report saturday', { now: morning, timeZone: ZONE }).due), 'Sat 2026-12-05 09:00');
});
