/**
 * Password policy: at least 12 characters, not only whitespace, and not guessable by
 * zxcvbn-ts (its common-password, name and word lists, keyboard walks, repeats, l33t): score ≥ 3
 * ("safely unguessable: moderate protection from offline slow-hash scenario"), with the account's
 * email and name counted as known words.
 */
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { ValidationError } from '../errors.js';
import { MIN_PASSWORD_LENGTH } from './password-length.js';

export { MIN_PASSWORD_LENGTH };
const MIN_SCORE = 3;
/** zxcvbn's matching grows with length; anything this long that passed the first part is strong anyway */
const CHECKED_PREFIX = 64;

let factory: Promise<ZxcvbnFactory> | undefined;
/**
 * Loaded at the first password check, not at startup: its word lists are ~10 MB of every HTTP
 * worker's memory, and a worker may serve only signed-in requests all its life.
 */
const zxcvbn = () =>
  (factory ??= (async () => {
    const [{ ZxcvbnFactory }, common, en] = await Promise.all([
      import('@zxcvbn-ts/core'),
      import('@zxcvbn-ts/language-common'),
      import('@zxcvbn-ts/language-en'),
    ]);
    return new ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
    });
  })());

/** Why `password` is refused, or undefined when it is acceptable. */
export async function passwordProblem(password: string, knownWords: (string | undefined)[] = []): Promise<string | undefined> {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.trim() === '') return 'must not be only whitespace';
  const lower = password.trim().toLowerCase();
  const known = knownWords.flatMap((w) => (w ? [w.trim().toLowerCase(), w.trim().toLowerCase().split('@')[0]!] : []));
  if (known.some((w) => w.length >= 4 && lower.includes(w))) return 'must not contain your email address or name';
  const words = knownWords.flatMap((w) => (w ? w.toLowerCase().split(/[^\p{L}\p{N}]+/u) : [])).filter((w) => w.length >= 3);
  const result = await (await zxcvbn()).checkAsync(password.slice(0, CHECKED_PREFIX), words);
  if (result.score >= MIN_SCORE) return undefined;
  const why = result.feedback.warning ?? 'it is too easy to guess';
  return `is too easy to guess: ${why.replace(/\.$/, '')}; ${result.feedback.suggestions[0] ?? 'add more words or characters'}`;
}

/** Throws a 422-mapped ValidationError naming `field` when the password is refused. */
export async function assertStrongPassword(password: string, knownWords: (string | undefined)[], field = 'password'): Promise<void> {
  const problem = await passwordProblem(password, knownWords);
  if (problem) throw new ValidationError([{ field, message: problem }]);
}
