/** Projects: the caller's projects, with ETag/If-Match like tasks. */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../app.js';
import { Project, ProjectCreate, ProjectMoveBody, ProjectUpdate } from '../../projects/model.js';
import { requireUser, userOf } from '../auth.js';
import { UserId, UserParams } from '../params.js';
import { problems } from '../problems.js';
import { ifMatch, withEtag } from './tasks.js';

const ProjectParams = Type.Object({
  user_id: UserId,
  project_id: Type.Integer({ minimum: 1, maximum: 2147483647 }),
});
export const ProjectListQuery = Type.Object(
  { archived: Type.Optional(Type.Boolean({ description: 'only archived (true) or only active (false) projects; default: all' })) },
  { additionalProperties: false },
);
const errors = problems(401, 403, 404, 412, 422);
const bodyErrors = problems(400, 401, 403, 404, 412, 413, 415, 422);

export const projectRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.addHook('onRequest', requireUser(s.auth));
    const tags = ['projects'];

    app.get(
      '/api/:user_id/projects',
      {
        schema: {
          tags,
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
          tags,
          summary: 'Create a project (at the end of the manual order)',
          description: '422 past LIMIT_PROJECTS projects per user (archived ones count).',
          params: UserParams,
          body: ProjectCreate,
          response: { 201: Project, ...bodyErrors },
        },
      },
      async (req, reply) => {
        const project = await s.projects.create(userOf(req), req.body);
        return withEtag(reply, project).code(201).header('location', `/api/${project.owner_id}/projects/${project.id}`).send(project);
      },
    );

    app.get(
      '/api/:user_id/projects/:project_id',
      { schema: { tags, summary: 'Get a project', params: ProjectParams, response: { 200: Project, ...errors } } },
      async (req, reply) => {
        const project = await s.projects.get(userOf(req), req.params.project_id);
        return withEtag(reply, project).send(project);
      },
    );

    app.put(
      '/api/:user_id/projects/:project_id',
      {
        schema: {
          tags,
          summary: 'Update a project (absent fields unchanged; If-Match for optimistic concurrency)',
          description: 'The Inbox can be renamed and recoloured, not archived (422).',
          params: ProjectParams,
          body: ProjectUpdate,
          response: { 200: Project, ...bodyErrors },
        },
      },
      async (req, reply) => {
        const project = await s.projects.update(userOf(req), req.params.project_id, req.body, ifMatch(req));
        return withEtag(reply, project).send(project);
      },
    );

    app.post(
      '/api/:user_id/projects/:project_id/move',
      {
        schema: {
          tags,
          summary: 'Reorder a project: right before/after another, or (neither) at the end',
          params: ProjectParams,
          body: ProjectMoveBody,
          response: { 200: Project, ...problems(400, 401, 403, 404, 413, 415, 422) },
        },
      },
      async (req, reply) => {
        const project = await s.projects.move(userOf(req), req.params.project_id, req.body);
        return withEtag(reply, project).send(project);
      },
    );

    app.delete(
      '/api/:user_id/projects/:project_id',
      {
        schema: {
          tags,
          summary: 'Delete a project and all its tasks',
          description:
            'One transaction: the project, its tasks (each emits a `deleted` task event) and its `deleted` project event. ' +
            'The Inbox cannot be deleted (409).',
          params: ProjectParams,
          response: { 204: Type.Null(), ...problems(401, 403, 404, 409, 412, 422) },
        },
      },
      async (req, reply) => {
        await s.projects.remove(userOf(req), req.params.project_id, ifMatch(req));
        return reply.code(204).send(null);
      },
    );
  };
