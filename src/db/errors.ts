/** PostgreSQL error classification, the same for pg and PGlite (both expose SQLSTATE as `code`). */
const code = (err: unknown): string | undefined => (err as { code?: unknown } | null)?.code as string | undefined;

export const isUniqueViolation = (err: unknown): boolean => code(err) === '23505';

/** A row it refers to is gone: a create or move racing the delete of its project or parent task. */
export const isForeignKeyViolation = (err: unknown): boolean => code(err) === '23503';

/** Socket errors of a server that is down or restarting (Node sets them as `code`, not a SQLSTATE). */
const NETWORK_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'];
/** pg's own messages for a connection that died under it (no code at all). */
const LOST_CONNECTION = /Connection terminated|connection timeout|Client has encountered a connection error/i;

/** Connection loss, shutdown, serialization failure, deadlock, too many connections: worth retrying. */
export function isTransientDbError(err: unknown): boolean {
  const c = code(err);
  const message = String((err as Error | null)?.message);
  // `connect ECONNREFUSED` carries code 'ECONNREFUSED' (not a message to match): transient too
  // and answer 500 while PostgreSQL restarted (the fault suite's postgres-restart case)
  if (!c || NETWORK_CODES.includes(c)) return NETWORK_CODES.some((e) => message.includes(e) || c === e) || LOST_CONNECTION.test(message);
  return c.startsWith('08') || c.startsWith('57P') || c === '40001' || c === '40P01' || c === '53300';
}

/**
 * Deadlock or serialization failure: PostgreSQL undid this transaction (or savepoint) so that
 * another could go on; the same work, run again, succeeds once the other has committed.
 */
export const isLockConflict = (err: unknown): boolean => code(err) === '40P01' || code(err) === '40001';

/** 22021 (invalid byte sequence, e.g. U+0000 in text), 22P05 (untranslatable character): the input, not the server. */
export const isUnstorableText = (err: unknown): boolean => code(err) === '22021' || code(err) === '22P05';
