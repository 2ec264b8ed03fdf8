/** Projects: the caller's projects, with ETag/If-Match like tasks. */
import { Type } from '@sinclair/typebox';
import { Project, ProjectCreate, ProjectMoveBody, ProjectUpdate } from '../../projects/model.js';
import { ifMatch, sendCreated, sendNoContent, sendWithEtag } from '../answers.js';
import { signedInRoutes, userOf } from '../auth.js';
import { ProjectParams, UserParams } from '../params.js';
import { problems } from '../problems.js';

export const ProjectListQuery = Type.Object(
  { archived: Type.Optional(Type.Boolean({ description: 'only archived (true) or only active (false) projects; default: all' })) },
  { additionalProperties: false },
);
const errors = problems(401, 403, 404, 412, 422);
const bodyErrors = problems(400, 401, 403, 404, 412, 413, 415, 422);

export const projectRoutes = signedInRoutes({ tags: ['projects'] }, async (app, s) => {
  app.get(
    '/api/:user_id/projects',
    {
      schema: {
        summary: "The caller's projects in manual order (the Inbox included)",
        params: UserParams,
        querystring: ProjectListQuery,
        response: { 200: Type.Array(Project), ...errors },
      },
    },
    async (req) => s.projects.list(userOf(req), { archived: req.query.archived }),
  );

  app.post(
    '/api/:user_id/projects',
    {
      schema: {
        summary: 'Create a project (at the end of the manual order)',
        description: '422 past LIMIT_PROJECTS projects per user (archived ones count).',
        params: UserParams,
        body: ProjectCreate,
        response: { 201: Project, ...bodyErrors },
      },
    },
    async (req, reply) => sendCreated(reply, await s.projects.create(userOf(req), req.body), (p) => `/api/${p.owner_id}/projects/${p.id}`),
  );

  app.get(
    '/api/:user_id/projects/:project_id',
    { schema: { summary: 'Get a project', params: ProjectParams, response: { 200: Project, ...errors } } },
    async (req, reply) => sendWithEtag(reply, await s.projects.get(userOf(req), req.params.project_id)),
  );

  app.put(
    '/api/:user_id/projects/:project_id',
    {
      schema: {
        summary: 'Update a project (absent fields unchanged; If-Match for optimistic concurrency)',
        description: 'The Inbox can be renamed and recoloured, not archived (422).',
        params: ProjectParams,
        body: ProjectUpdate,
        response: { 200: Project, ...bodyErrors },
      },
    },
    async (req, reply) => sendWithEtag(reply, await s.projects.update(userOf(req), req.params.project_id, req.body, ifMatch(req))),
  );

  app.post(
    '/api/:user_id/projects/:project_id/move',
    {
      schema: {
        summary: 'Reorder a project: right before/after another, or (neither) at the end',
        params: ProjectParams,
        body: ProjectMoveBody,
        response: { 200: Project, ...problems(400, 401, 403, 404, 413, 415, 422) },
      },
    },
    async (req, reply) => sendWithEtag(reply, await s.projects.move(userOf(req), req.params.project_id, req.body)),
  );

  app.delete(
    '/api/:user_id/projects/:project_id',
    {
      schema: {
        summary: 'Delete a project and all its tasks',
        description:
          'One transaction: the project, its tasks (each emits a `deleted` task event) and its `deleted` project event. ' +
          'The Inbox cannot be deleted (409).',
        params: ProjectParams,
        response: { 204: Type.Null(), ...problems(401, 403, 404, 409, 412, 422) },
      },
    },
    async (req, reply) => sendNoContent(reply, s.projects.remove(userOf(req), req.params.project_id, ifMatch(req))),
  );
});
