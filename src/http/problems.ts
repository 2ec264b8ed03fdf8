/**
 * RFC 9457 problem details for every error the API returns. Validation failures name each
 * offending field; unexpected errors are logged with the request id and answered without detail.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ConflictError, ForbiddenError, NotFoundError, PreconditionFailedError, ValidationError, type FieldError } from '../errors.js';
import { InvalidTokenError } from '../auth/tokens.js';
import { LoginFailedError, WrongPasswordError } from '../auth/service.js';
import { InvalidRefreshError } from '../auth/sessions.js';
import { TooManyAttemptsError } from '../auth/throttle.js';
import { isForeignKeyViolation, isTransientDbError, isUnstorableText } from '../db/errors.js';
import { RULE_MESSAGES } from '../tasks/model.js';

export const PROBLEM_TYPE_BASE = '/problems/';

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
    request_id: Type.Optional(Type.String()),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
);

/** An error response in the OpenAPI document: problem details, served as `application/problem+json`. */
export const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: Problem } } });

const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed JSON or request',
  401: 'Missing, invalid or expired bearer token',
  403: "The token's user is not the {user_id} of the path, or the caller's role in a shared project may not do this",
  404: 'No such resource (or not yours)',
  406: 'None of the media types in Accept can be served',
  409: 'Conflict',
  412: 'If-Match names a version that is no longer current',
  413: 'Body larger than 64 KB',
  415: 'Body is not application/json',
  422: 'Validation failed; `errors` names each offending field',
  429: 'Too many requests; see Retry-After',
  503: 'The database is unavailable; see Retry-After',
};

/** `{ 401: problem, 403: problem, … }` for a route's `response` schema. */
export function problems(...statuses: (keyof typeof DESCRIPTIONS)[]): Record<number, ReturnType<typeof problemResponse>> {
  return Object.fromEntries(statuses.map((s) => [s, problemResponse(DESCRIPTIONS[s] ?? 'Error')]));
}

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    detail?: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }
}

export const unauthorized = (detail: string) =>
  new HttpProblem(401, 'unauthorized', 'Authentication required', detail, undefined, { 'www-authenticate': 'Bearer' });
export const forbidden = (detail: string) => new HttpProblem(403, 'forbidden', 'Forbidden', detail);

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  /** the keyword's value (the validators are verbose) */
  schema?: unknown;
}

/** `not: { required: [a, b] }`, the schemas' way to say two fields exclude each other: its fields */
const excludedPair = (e: AjvError): string[] | undefined => {
  const required = e.keyword === 'not' ? (e.schema as { required?: unknown } | undefined)?.required : undefined;
  return Array.isArray(required) && required.length > 1 ? required.map(String) : undefined;
};

/** Ajv's errors → our field list ("reminders/0/at", "title"). */
function fieldErrors(validation: AjvError[], context: string | undefined): FieldError[] {
  const seen = new Map<string, string>();
  for (const e of validation) {
    let field = e.instancePath.replace(/^\//, '');
    if (e.keyword === 'required') field = [field, String(e.params.missingProperty)].filter(Boolean).join('/');
    if (e.keyword === 'additionalProperties') field = [field, String(e.params.additionalProperty)].filter(Boolean).join('/');
    const pair = excludedPair(e);
    if (pair) field = [field, pair.at(-1)].filter(Boolean).join('/');
    if (!field) field = context === 'body' ? '(body)' : `(${context ?? 'request'})`;
    const message = pair
      ? `give ${pair.join(' or ')}, not both`
      : e.keyword === 'additionalProperties'
        ? 'is not a known field'
        : e.keyword === 'required'
          ? 'is required'
          : e.keyword === 'enum'
            ? `must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`
            : (e.keyword === 'pattern' || e.keyword === 'format') && RULE_MESSAGES[String(e.params.pattern ?? e.params.format)]
              ? RULE_MESSAGES[String(e.params.pattern ?? e.params.format)]!
              : (e.message ?? 'is invalid');
    // anyOf/oneOf produce one error per branch; keep the most specific (first) one per field
    if (!seen.has(field) && e.keyword !== 'anyOf') seen.set(field, message);
  }
  return [...seen].map(([field, message]) => ({ field, message }));
}

function toProblem(err: unknown): HttpProblem | undefined {
  if (err instanceof HttpProblem) return err;
  if (err instanceof ValidationError) return new HttpProblem(422, 'validation-error', 'Validation failed', err.message, err.errors);
  if (err instanceof NotFoundError) return new HttpProblem(404, 'not-found', 'Not found', err.message);
  if (err instanceof ForbiddenError) return forbidden(err.message);
  if (err instanceof ConflictError) return new HttpProblem(409, 'conflict', 'Conflict', err.message);
  if (err instanceof PreconditionFailedError)
    return new HttpProblem(412, 'precondition-failed', 'Precondition failed', err.message, undefined, { etag: `"${err.currentVersion}"` });
  if (err instanceof InvalidTokenError) return unauthorized(err.message);
  if (err instanceof LoginFailedError) return new HttpProblem(401, 'login-failed', 'Login failed', err.message);
  if (err instanceof InvalidRefreshError) return new HttpProblem(401, 'session-ended', 'Session ended', err.message);
  if (err instanceof WrongPasswordError)
    return new HttpProblem(403, 'wrong-password', 'Wrong password', err.message, [{ field: 'current_password', message: 'is wrong' }]);
  if (err instanceof TooManyAttemptsError)
    return new HttpProblem(429, 'too-many-requests', 'Too many requests', err.message, undefined, {
      'retry-after': String(err.retryAfterSeconds),
    });
  // defence in depth behind the schemas' patterns: text PostgreSQL cannot store is bad input, not a 500
  if (isUnstorableText(err))
    return new HttpProblem(422, 'validation-error', 'Validation failed', 'the request contains characters that cannot be stored (NUL)');
  // checked before the write and enforced by the database: only a concurrent delete gets here
  if (isForeignKeyViolation(err))
    return new HttpProblem(409, 'conflict', 'Conflict', 'a project or task this change refers to was deleted meanwhile; reload and retry');
  if (isTransientDbError(err))
    return new HttpProblem(503, 'unavailable', 'Service unavailable', 'the database is unavailable; retry shortly', undefined, {
      'retry-after': '2',
    });
  const fe = err as FastifyError & { validation?: AjvError[]; validationContext?: string };
  if (fe.validation) {
    const errors = fieldErrors(fe.validation, fe.validationContext);
    return new HttpProblem(422, 'validation-error', 'Validation failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
  }
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return new HttpProblem(413, 'payload-too-large', 'Payload too large', 'the request body exceeds 64 KB');
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return new HttpProblem(415, 'unsupported-media-type', 'Unsupported media type', 'send application/json');
  if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new HttpProblem(400, 'malformed-json', 'Malformed JSON', 'the body is empty');
  if (fe.statusCode === 400 && (fe instanceof SyntaxError || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || /JSON/.test(fe.message)))
    return new HttpProblem(400, 'malformed-json', 'Malformed JSON', fe.message);
  if (fe.statusCode === 429) return new HttpProblem(429, 'too-many-requests', 'Too many requests', fe.message);
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500)
    return new HttpProblem(fe.statusCode, 'bad-request', 'Bad request', fe.message);
  return undefined;
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, p: HttpProblem): FastifyReply {
  return reply
    .code(p.status)
    .headers(p.headers)
    .type('application/problem+json')
    .send({
      type: PROBLEM_TYPE_BASE + p.slug,
      title: p.title,
      status: p.status,
      detail: p.message,
      instance: request.url.split('?')[0],
      ...(p.errors ? { errors: p.errors } : {}),
      request_id: request.id,
    });
}

export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const problem = toProblem(err);
  if (problem) {
    if (problem.status >= 500) request.log.warn({ err: (err as Error).message }, problem.title);
    return sendProblem(reply, request, problem);
  }
  request.log.error({ err }, 'unhandled error');
  return sendProblem(
    reply,
    request,
    new HttpProblem(500, 'internal', 'Internal server error', 'something went wrong; the request id identifies it in the logs'),
  );
}
