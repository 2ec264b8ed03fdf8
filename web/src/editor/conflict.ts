/**
 * A save refused with 412 (the task changed elsewhere since the editor opened) keeps what the user
 * typed: a three-way merge of the editor's form, field by field — the fields they changed
 * stay theirs, the ones they left alone take the latest version's values, and the ones both sides
 * changed differently are named, so the user can look before saving again over the latest version.
 */
import type { Form } from './form';

/** Form values compared by content; `key` is a reminder row's render key, not data. */
const json = (v: unknown): string => JSON.stringify(v, (k, x: unknown) => (k === 'key' ? undefined : x));
const same = (a: unknown, b: unknown): boolean => json(a) === json(b);

export interface Merged<F> {
  form: F;
  /** changed on both sides, differently: the user's value was kept */
  clashes: (keyof F)[];
  /** changed only elsewhere: the form now shows the latest value */
  theirs: (keyof F)[];
}

/** `base`: the task as editing began; `mine`: the form as the user left it; `latest`: the task as it is now. */
export function mergeForms<F extends object>(base: F, mine: F, latest: F): Merged<F> {
  const form = { ...mine };
  const clashes: (keyof F)[] = [];
  const theirs: (keyof F)[] = [];
  for (const k of Object.keys(base) as (keyof F)[]) {
    if (same(latest[k], base[k])) continue;
    if (same(mine[k], base[k])) {
      form[k] = latest[k];
      theirs.push(k);
    } else if (!same(mine[k], latest[k])) clashes.push(k);
  }
  return { form, clashes, theirs };
}

const FIELD_NAMES: Record<keyof Form, string> = {
  title: 'the title',
  description: 'the description',
  priority: 'the priority',
  tags: 'the tags',
  dueDate: 'the due date',
  dueTime: 'the due time',
  timezone: 'the time zone',
  reminders: 'the reminders',
  recurrence: 'the repeat',
  basis: 'the repeat',
  project: 'the project',
  assignee: 'the assignee',
};

/** "the title, the tags and the due date" */
export function fieldList(keys: (keyof Form)[]): string {
  const names = [...new Set(keys.map((k) => FIELD_NAMES[k]))];
  return names.length < 2 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
