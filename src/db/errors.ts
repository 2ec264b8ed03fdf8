/** PostgreSQL error classification, the same for pg and PGlite (both expose SQLSTATE as `code`). */
const code = (err: unknown): string | undefined => (err as { code?: unknown } | null)?.code as string | undefined;

export const isUniqueViolation = (err: unknown): boolean => code(err) === '23505';

/** Connection loss, shutdown, serialization failure, deadlock, too many connections: worth retrying. */
export function isTransientDbError(err: unknown): boolean {
  const c = code(err);
  if (!c) return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].some((e) => String((err as Error)?.message).includes(e));
  return c.startsWith('08') || c.startsWith('57P') || c === '40001' || c === '40P01' || c === '53300';
}

/** 22021 (invalid byte sequence, e.g. U+0000 in text), 22P05 (untranslatable character): the input, not the server. */
export const isUnstorableText = (err: unknown): boolean => code(err) === '22021' || code(err) === '22P05';
