/**
 * How routes answer: a versioned resource with its ETag (the version a client sends back in
 * If-Match), and a command with 204 No Content.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PreconditionFailedError } from '../errors.js';

/** `If-Match: "3"` / `W/"3"` / `*` → the version the client expects (undefined: no precondition). */
export function ifMatch(req: FastifyRequest): number | undefined {
  const raw = req.headers['if-match'];
  if (raw === undefined || raw.trim() === '*') return undefined;
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(raw.trim());
  if (!m) throw new PreconditionFailedError(-1);
  return Number(m[1]);
}

const withEtag = (reply: FastifyReply, resource: { version: number }) => reply.header('etag', `"${resource.version}"`);

/** 200 with the resource and its ETag. */
export const sendWithEtag = (reply: FastifyReply, resource: { version: number }) => withEtag(reply, resource).send(resource);

/** 201 with the new resource, its ETag and its Location (`path` of the resource, given the resource). */
export const sendCreated = <R extends { version: number }>(reply: FastifyReply, resource: R, path: (r: R) => string) =>
  withEtag(reply, resource).code(201).header('location', path(resource)).send(resource);

/** 204 once the command is done (it failing answers its error instead). */
export async function sendNoContent(reply: FastifyReply, command: Promise<unknown>) {
  await command;
  return reply.code(204).send(null);
}

/**
 * 200 with a body that is already JSON (a page rendered by PostgreSQL, see tasks/task-json.ts):
 * Fastify sends a string with a JSON content type as it is, without serialising it again.
 */
export const sendJsonText = (reply: FastifyReply, json: string) => reply.type('application/json; charset=utf-8').send(json);
