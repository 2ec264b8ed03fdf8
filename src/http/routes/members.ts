/** Members of a shared project: the owner manages them; a member may leave. */
import { Type } from '@sinclair/typebox';
import { Member, MemberInvite, MemberUpdate } from '../../projects/members.js';
import { signedInRoutes, userOf } from '../auth.js';
import { ProjectParams, UserId } from '../params.js';
import { problems } from '../problems.js';

const MemberParams = Type.Object({
  user_id: UserId,
  project_id: Type.Integer({ minimum: 1, maximum: 2147483647 }),
  member_id: Type.String({ minLength: 1, maxLength: 128, description: "the member's user id" }),
});

export const memberRoutes = signedInRoutes({ tags: ['projects'] }, async (app, s) => {
  app.get(
    '/api/:user_id/projects/:project_id/members',
    {
      schema: {
        summary: "A project's members: its owner first, then the others in the order they joined",
        description: 'Any member may read it; 404 for a project the caller cannot see.',
        params: ProjectParams,
        response: { 200: Type.Array(Member), ...problems(401, 403, 404, 422) },
      },
    },
    async (req) => s.members.list(userOf(req), req.params.project_id),
  );

  app.post(
    '/api/:user_id/projects/:project_id/members',
    {
      schema: {
        summary: 'Share the project with an existing user, by email, as editor or viewer (owner only)',
        description:
          'The new member gets a `shared` notification and sees the project and its tasks at once. ' +
          '403 for a member who is not the owner; 409 for the Inbox or someone already a member; ' +
          '422 for an email no account has (there are no pending invitations: they register first), or the owner’s own.',
        params: ProjectParams,
        body: MemberInvite,
        response: { 201: Member, ...problems(400, 401, 403, 404, 409, 413, 415, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(await s.members.add(userOf(req), req.params.project_id, req.body)),
  );

  app.put(
    '/api/:user_id/projects/:project_id/members/:member_id',
    {
      schema: {
        summary: "Change a member's role (owner only)",
        params: MemberParams,
        body: MemberUpdate,
        response: { 200: Member, ...problems(400, 401, 403, 404, 413, 415, 422) },
      },
    },
    async (req) => s.members.update(userOf(req), req.params.project_id, req.params.member_id, req.body),
  );

  app.delete(
    '/api/:user_id/projects/:project_id/members/:member_id',
    {
      schema: {
        summary: 'Remove a member (owner), or leave (a member naming itself)',
        description:
          'At once: the removed user no longer sees the project or its tasks (404), in API calls and open streams; ' +
          'tasks assigned to them there are unassigned, each with an `updated` event. The owner cannot leave (409).',
        params: MemberParams,
        response: { 204: Type.Null(), ...problems(401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      await s.members.remove(userOf(req), req.params.project_id, req.params.member_id);
      return reply.code(204).send(null);
    },
  );
});
