/**
 * Members of a shared project. The owner invites existing users by email as editor or
 * viewer, changes their role and removes them; a member may remove itself (leave). Each change
 * writes the membership, the project's `updated` event (its audience: who sees it now, plus whoever
 * was removed, named in `revoked`) and its effects in ONE transaction: a new member's `shared`
 * notification; a removed member's assigned tasks unassigned, each with its `updated` event.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { Db, ProjectRow, Tx } from '../db/types.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { appendManyToOutbox, recordProjectEvent, taskEvent } from '../events/outbox.js';
import { TOPICS } from '../events/schemas.js';
import { DateTime } from '../tasks/model.js';
import { withCounts } from '../tasks/tree.js';
import { audiencesOf, MEMBER_ROLES } from './access.js';
import { noticeShared } from './notices.js';
import { accountByEmail, countMembers, deleteMember, insertMember, membersOf, setMemberRole } from './member-repository.js';
import { findProject, toProjects, updateProject } from './repository.js';
import { unassignAll } from '../tasks/repository.js';

/** members of one project besides its owner: a shared list, not a mailing list */
export const MEMBERS_MAX = 100;

const MemberRoleT = Type.Union(MEMBER_ROLES.map((r) => Type.Literal(r)));

export const Member = Type.Object(
  {
    user_id: Type.String(),
    email: Type.Union([Type.String(), Type.Null()]),
    name: Type.Union([Type.String(), Type.Null()]),
    role: Type.Union([Type.Literal('owner'), MemberRoleT]),
    added_at: DateTime,
  },
  { $id: 'ProjectMember', additionalProperties: false },
);
export type Member = Static<typeof Member>;

export const MemberInvite = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$', description: 'the email of an existing account' }),
    role: MemberRoleT,
  },
  { $id: 'MemberInvite', additionalProperties: false },
);
export type MemberInvite = Static<typeof MemberInvite>;

export const MemberUpdate = Type.Object({ role: MemberRoleT }, { $id: 'MemberUpdate', additionalProperties: false });
export type MemberUpdate = Static<typeof MemberUpdate>;

export interface MemberServiceDeps {
  db: Db;
  now: () => Date;
  /** called after a commit that wrote outbox rows */
  changed: () => void;
}

export class MemberService {
  constructor(private readonly deps: MemberServiceDeps) {}

  private async write<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const out = await this.deps.db.transaction().execute(fn);
    this.deps.changed();
    return out;
  }

  /** The owner first, then members in the order they joined. Any member may read it. */
  async list(userId: string, projectId: number): Promise<Member[]> {
    const project = await mustSee(this.deps.db, userId, projectId);
    return membersOf(this.deps.db, project);
  }

  async add(userId: string, projectId: number, body: MemberInvite): Promise<Member> {
    const now = this.deps.now();
    return this.write(async (tx) => {
      const project = await mustOwn(tx, userId, projectId);
      if (project.inbox) throw new ConflictError('the Inbox cannot be shared; share another project');
      const email = body.email.trim().toLowerCase();
      const user = await accountByEmail(tx, email);
      if (!user)
        throw new ValidationError([{ field: 'email', message: 'no account has this email: ask them to register, then invite them again' }]);
      if (user.id === project.owner_id) throw new ValidationError([{ field: 'email', message: 'that is the owner of the project' }]);
      if ((await countMembers(tx, projectId)) >= MEMBERS_MAX)
        throw new ValidationError([{ field: 'email', message: `a project has at most ${MEMBERS_MAX} members besides its owner` }]);
      const row = await insertMember(tx, { project_id: projectId, user_id: user.id, role: body.role, created_at: now });
      if (!row) throw new ConflictError(`${email} is already a member of this project; change their role instead`);
      await this.projectChanged(tx, project, now, { mixed: true });
      await noticeShared(tx, projectId, user.id, body.role, userId, now);
      return { user_id: user.id, email: user.email, name: user.name, role: body.role, added_at: row.created_at.toISOString() };
    });
  }

  async update(userId: string, projectId: number, memberId: string, body: MemberUpdate): Promise<Member> {
    const now = this.deps.now();
    return this.write(async (tx) => {
      const project = await mustOwn(tx, userId, projectId);
      if (memberId === project.owner_id) throw new ValidationError([{ field: 'role', message: 'the owner stays the owner' }]);
      const row = await setMemberRole(tx, projectId, memberId, body.role);
      if (!row) throw new NotFoundError(`user ${memberId} is not a member of project ${projectId}`);
      await this.projectChanged(tx, project, now);
      const member = (await membersOf(tx, project)).find((m) => m.user_id === memberId);
      return member!;
    });
  }

  /** By the owner, or by the member itself (leaving). Their assigned tasks there are unassigned. */
  async remove(userId: string, projectId: number, memberId: string): Promise<void> {
    const now = this.deps.now();
    await this.write(async (tx) => {
      const project = await mustSee(tx, userId, projectId, { lock: true });
      if (memberId === project.owner_id)
        throw new ConflictError('the owner cannot leave or be removed; delete the project or remove its members');
      if (userId !== project.owner_id && userId !== memberId) throw new ForbiddenError('only the owner removes other members');
      if (!(await deleteMember(tx, projectId, memberId)))
        throw new NotFoundError(`user ${memberId} is not a member of project ${projectId}`);
      const tasks = await withCounts(tx, await unassignAll(tx, projectId, memberId, now));
      await appendManyToOutbox(
        tx,
        TOPICS.taskEvents,
        tasks.map((t) => taskEvent('updated', t, now)),
      );
      await this.projectChanged(tx, project, now, { revoked: memberId });
    });
  }

  /** The project's `updated` event (member count, version), to everyone who sees it and whoever just left. */
  private async projectChanged(tx: Tx, project: ProjectRow, now: Date, o: { mixed?: boolean; revoked?: string } = {}): Promise<void> {
    const row = await updateProject(tx, project.id, { updated_at: now, version: project.version + 1, ...(o.mixed ? { mixed: true } : {}) });
    const [data] = await toProjects(tx, project.owner_id, [row]);
    const audience = (await audiencesOf(tx, [project.id])).get(project.id) ?? [project.owner_id];
    await recordProjectEvent(
      tx,
      'updated',
      data!,
      now,
      o.revoked ? { audience: [...audience, o.revoked], revoked: [o.revoked] } : { audience },
    );
  }
}

/** A project the caller can see (else 404), its row locked when it is about to change. */
async function mustSee(db: Db | Tx, userId: string, projectId: number, opts: { lock?: boolean } = {}): Promise<ProjectRow> {
  const row = await findProject(db, userId, projectId, opts);
  if (!row) throw new NotFoundError(`project ${projectId} not found`);
  return row;
}

/** The owner manages members (a member: 403). */
async function mustOwn(tx: Tx, userId: string, projectId: number): Promise<ProjectRow> {
  const row = await mustSee(tx, userId, projectId, { lock: true });
  if (row.owner_id !== userId) throw new ForbiddenError(`only the owner of project ${projectId} manages its members`);
  return row;
}
