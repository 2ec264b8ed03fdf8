/** Row-level reads and writes of project memberships; callers own the transaction. */
import { sql } from 'kysely';
import type { Executor, ProjectRow } from '../db/types.js';
import type { MEMBER_ROLES } from './access.js';
import type { Member } from './members.js';

type MemberRole = (typeof MEMBER_ROLES)[number];

/** The account an invitation names, by its (lower-case) email. */
export async function accountByEmail(
  db: Executor,
  email: string,
): Promise<{ id: string; email: string | null; name: string | null } | undefined> {
  return db.selectFrom('users').select(['id', 'email', 'name']).where('email', '=', email).executeTakeFirst();
}

/** Members besides the owner. */
export async function countMembers(db: Executor, projectId: number): Promise<number> {
  const { n } = await db
    .selectFrom('project_members')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('project_id', '=', projectId)
    .executeTakeFirstOrThrow();
  return Number(n);
}

/** undefined: the user is a member already. */
export async function insertMember(db: Executor, values: { project_id: number; user_id: string; role: MemberRole; created_at: Date }) {
  return db
    .insertInto('project_members')
    .values(values)
    .onConflict((oc) => oc.columns(['project_id', 'user_id']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** undefined: not a member. */
export async function setMemberRole(db: Executor, projectId: number, userId: string, role: MemberRole) {
  return db
    .updateTable('project_members')
    .set({ role })
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .returningAll()
    .executeTakeFirst();
}

/** false: not a member. */
export async function deleteMember(db: Executor, projectId: number, userId: string): Promise<boolean> {
  const gone = await db
    .deleteFrom('project_members')
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .returning('user_id')
    .executeTakeFirst();
  return gone !== undefined;
}

/** The owner first, then the members in the order they joined. */
export async function membersOf(db: Executor, project: ProjectRow): Promise<Member[]> {
  const { rows } = await sql<{ user_id: string; email: string | null; name: string | null; role: string; added_at: Date }>`
    SELECT u.id AS user_id, u.email, u.name, 'owner' AS role, ${project.created_at} AS added_at, 0 AS k
    FROM users u WHERE u.id = ${project.owner_id}
    UNION ALL
    SELECT u.id, u.email, u.name, m.role, m.created_at, 1
    FROM project_members m JOIN users u ON u.id = m.user_id WHERE m.project_id = ${project.id}
    ORDER BY k, added_at, user_id`.execute(db);
  return rows.map((r) => ({
    user_id: r.user_id,
    email: r.email,
    name: r.name,
    role: r.role as Member['role'],
    added_at: new Date(r.added_at).toISOString(),
  }));
}
