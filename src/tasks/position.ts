/**
 * Manual order: each task and project has a `position`, a fractional-index key (the
 * `fractional-indexing` package: strings ordered byte-wise, with a key between any two distinct
 * keys). Moving writes the moved row only: no renumbering of siblings, so no burst of events for
 * rows that did not change, and no write amplification on a 10k-task list. Numbers would need
 * renumbering once the gaps run out (a float after ~50 inserts at one spot); keys only grow by
 * about a character per six inserts at the same spot.
 *
 * Two concurrent appends to one list can get the same key (each read the same last key): ties
 * are ordered by id, and a move next to a tie gives the tied rows after it fresh keys
 * (`placeAfter`), so a placement is always exact.
 */
import { generateKeyBetween } from 'fractional-indexing';

/** The key after `last` (null: the list is empty). */
export const keyAfter = (last: string | null): string => generateKeyBetween(last, null);

export interface Rekeyed {
  id: number;
  position: string;
}

/**
 * The key of a row placed right after `prev` (null: at the start), given the siblings that come
 * after `prev` in (position, id) order: `tied`, the ids that have prev's very key, and `next`, the
 * first key greater than it. The tied rows are re-keyed to stay after the placed row.
 */
export function placeAfter(prev: string | null, tied: readonly number[], next: string | null): { key: string; rekeyed: Rekeyed[] } {
  const key = generateKeyBetween(prev, next);
  const rekeyed: Rekeyed[] = [];
  let last = key;
  for (const id of tied) {
    last = generateKeyBetween(last, next);
    rekeyed.push({ id, position: last });
  }
  return { key, rekeyed };
}
