/**
 * Domain errors. The HTTP layer maps them to RFC 9457 problem responses; consumers map them
 * to delivery outcomes. Nothing below the HTTP layer knows about status codes.
 */
export interface FieldError {
  /** JSON pointer-ish name of the offending field, e.g. "title" or "reminders/0/before_minutes" */
  field: string;
  message: string;
}

export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
  }
}

export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

export class ConflictError extends Error {
  override name = 'ConflictError';
}

/** If-Match named a version that is no longer current. */
export class PreconditionFailedError extends Error {
  override name = 'PreconditionFailedError';
  constructor(readonly currentVersion: number) {
    super(`the task changed since you read it (current version ${currentVersion})`);
  }
}

/** The caller can see the resource but its role may not do this (a viewer editing a task). */
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
}
