/**
 * The API's field errors (RFC 9457 `errors[]`: a field path and the validator's or the service's
 * words) as sentences a person reads: "The title can be at most 200 characters." rather than
 * "title: must NOT have more than 200 characters". Unknown messages keep their words, under the
 * field's name.
 */

const NAMES: Record<string, string> = {
  title: 'The title',
  description: 'The description',
  priority: 'The priority',
  tags: 'Tags',
  due_date: 'The due date',
  timezone: 'The time zone',
  reminders: 'Reminders',
  recurrence: 'The repeat rule',
  recurrence_basis: 'The repeat basis',
  project_id: 'The project',
  parent_id: 'The parent task',
  assignee_id: 'The assignee',
  email: 'The email address',
  password: 'The password',
  current_password: 'The current password',
  new_password: 'The new password',
  name: 'The name',
  color: 'The color',
  role: 'The role',
  minutes: 'The snooze time',
  url: 'The address',
  events: 'The events',
  scopes: 'The permissions',
  expires_at: 'The expiry date',
};

/** "reminders/1/at" → "Reminder 2", "tags/0" → "Tag 1", "title" → "The title". */
function fieldName(field: string): string {
  const [head = '', index] = field.split('/');
  if (index !== undefined && /^\d+$/.test(index)) {
    const one = head === 'reminders' ? 'Reminder' : head === 'tags' ? 'Tag' : NAMES[head];
    if (one) return `${one} ${Number(index) + 1}`;
  }
  return NAMES[head] ?? NAMES[field] ?? `“${field}”`;
}

const RULES: [RegExp, (name: string, m: RegExpExecArray) => string][] = [
  [/^must NOT have fewer than 1 characters?$|^must not be blank\b/, (n) => `${n} cannot be empty.`],
  [/^must not contain NUL/, (n) => `${n} has an invisible control character (NUL) in it: remove it.`],
  [/^must (?:NOT have fewer than|be at least) (\d+) characters$/, (n, m) => `${n} needs at least ${m[1]} characters.`],
  [/^must (?:NOT have more than|be at most) (\d+) characters$/, (n, m) => `${n} can be at most ${m[1]} characters long.`],
  [/^must NOT have more than (\d+) items$/, (n, m) => `${n}: at most ${m[1]}.`],
  [/^must match format "email"$/, () => 'Enter an email address, like name@example.com.'],
  [/^must match format "(?:date-time|date)"$/, (n) => `${n} is not a valid date.`],
  [/^must match format "(?:uri|url)"$/, (n) => `${n} must be a full web address, like https://example.com/hook.`],
  [/^must be in the years (\d+)–(\d+)/, (n, m) => `${n} must be in the years ${m[1]}–${m[2]}.`],
  [/^must be in the future/, (n) => `${n} is already past: pick a later time.`],
  [
    /^a relative reminder needs the task to have a due_date$/,
    (n) => `${n} counts back from the due date: set a due date, or remind at a fixed time.`,
  ],
  [/^unknown time zone "([^"]*)"/, (_n, m) => `“${m[1]}” is not a time zone we know: pick one from the list, such as Europe/Berlin.`],
  [/^must be >= (\d+)$/, (n, m) => `${n} must be at least ${m[1]}.`],
  [/^must be <= (\d+)$/, (n, m) => `${n} must be at most ${m[1]}.`],
  [/^must be integer$/, (n) => `${n} must be a whole number.`],
  [/^must be one of (.+)$/, (n, m) => `${n} must be one of: ${m[1]}.`],
  [/^is required$/, (n) => `${n} is required.`],
  [/^is not a known field$/, (n) => `${n} is not something this form can set.`],
  [/^is wrong$/, (n) => `${n} is wrong.`],
];

/** One field error as a sentence. */
export function plainMessage(field: string, message: string): string {
  // "(body)", "(querystring)": about the request as a whole, not one field
  if (field.startsWith('(')) return sentence(message.charAt(0).toUpperCase() + message.slice(1));
  const name = fieldName(field);
  // reminders/0/before_minutes, reminders/0/at: the reminder is what the user sees
  const shown = /^reminders\/\d+\//.test(field) ? fieldName(field.split('/').slice(0, 2).join('/')) : name;
  for (const [re, say] of RULES) {
    const m = re.exec(message);
    if (m) return say(shown, m);
  }
  if (field === 'recurrence') return `The repeat rule does not work: ${sentence(message)}`;
  // the service's own rules mostly read "must …" / "is …" / "cannot …": they follow the field's name
  if (/^(?:must|is|cannot|can|needs) /.test(message)) return `${shown} ${sentence(message)}`;
  return `${shown}: ${sentence(message)}`;
}

const sentence = (s: string) => {
  const t = s.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
};
