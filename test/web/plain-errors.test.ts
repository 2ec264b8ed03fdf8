/**
 * Field errors in plain words: the API's field errors — Ajv's words and the service's — as the sentences the web
 * app shows. A pure module: no browser needed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plainMessage } from '../../web/src/plain-errors.js';

test('validator and service messages read as sentences naming the field', () => {
  const cases: [string, string, string][] = [
    ['title', 'must NOT have more than 200 characters', 'The title can be at most 200 characters long.'],
    ['title', 'must NOT have fewer than 1 characters', 'The title cannot be empty.'],
    ['title', 'must not be blank', 'The title cannot be empty.'],
    ['name', 'must not be blank, nor contain NUL (U+0000) characters', 'The name cannot be empty.'],
    [
      'description',
      'must not contain NUL (U+0000) characters',
      'The description has an invisible control character (NUL) in it: remove it.',
    ],
    ['name', 'must NOT have fewer than 1 characters', 'The name cannot be empty.'],
    ['email', 'must match format "email"', 'Enter an email address, like name@example.com.'],
    ['password', 'must be at least 12 characters', 'The password needs at least 12 characters.'],
    ['password', 'must not contain your email address or name', 'The password must not contain your email address or name.'],
    ['tags/2', 'must be at most 50 characters', 'Tag 3 can be at most 50 characters long.'],
    ['tags', 'must NOT have more than 20 items', 'Tags: at most 20.'],
    ['due_date', 'must be in the years 1900–2200 (UTC)', 'The due date must be in the years 1900–2200.'],
    ['due_date', 'must match format "date-time"', 'The due date is not a valid date.'],
    [
      'reminders/0/before_minutes',
      'a relative reminder needs the task to have a due_date',
      'Reminder 1 counts back from the due date: set a due date, or remind at a fixed time.',
    ],
    [
      'reminders/1',
      'must be in the future: its time has already passed (now 2026-12-04T10:00:00.000Z)',
      'Reminder 2 is already past: pick a later time.',
    ],
    [
      'timezone',
      'unknown time zone "Mars/Base" (use an IANA name such as Europe/Berlin)',
      '“Mars/Base” is not a time zone we know: pick one from the list, such as Europe/Berlin.',
    ],
    ['minutes', 'must be <= 1440', 'The snooze time must be at most 1440.'],
    ['priority', 'must be one of none, low, medium, high, urgent', 'The priority must be one of: none, low, medium, high, urgent.'],
    [
      'recurrence',
      "Unknown FREQ 'FORTNIGHTLY': use YEARLY, MONTHLY, WEEKLY, DAILY or HOURLY",
      "The repeat rule does not work: Unknown FREQ 'FORTNIGHTLY': use YEARLY, MONTHLY, WEEKLY, DAILY or HOURLY.",
    ],
    ['project_id', 'the project is archived', 'The project: the project is archived.'],
    [
      '(body)',
      'a user may have at most 5 tasks; delete some before creating more',
      'A user may have at most 5 tasks; delete some before creating more.',
    ],
  ];
  for (const [field, message, plain] of cases) assert.equal(plainMessage(field, message), plain, `${field}: ${message}`);
});

test('no message keeps validator jargon or a bare field path', () => {
  for (const [field, message] of [
    ['title', 'must NOT have more than 200 characters'],
    ['email', 'must match format "email"'],
    ['reminders/0/at', 'must match format "date-time"'],
  ] as const) {
    const plain = plainMessage(field, message);
    assert.doesNotMatch(plain, /must NOT|format "|reminders\/|_/, plain);
    assert.match(plain, /^[A-Z“].*\.$/, plain);
  }
});
