/**
 * Who may see what: THE one place that says which projects and tasks a user can see and with
 * which role (DESIGN §7, §8). Every read and write of projects and tasks filters through it, so a
 * project or task outside it is a 404 everywhere. Until sharing (issue 14) a user sees exactly the
 * projects they own and the tasks in them (whose creator, `tasks.user_id`, is then always the
 * owner); sharing changes these functions and nothing else has to.
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { ProjectRow } from '../db/types.js';

export type Role = 'owner' | 'editor' | 'viewer';

export interface Access {
  /** condition on a query FROM projects: the projects `userId` can see */
  projects: Expression<SqlBool>;
  /** condition on a query FROM tasks: the tasks `userId` can see */
  tasks: Expression<SqlBool>;
  /** the caller's role in a project it can see */
  roleIn(project: ProjectRow): Role;
  /** members of a project, the owner included */
  memberCount(project: ProjectRow): number;
}

export function accessOf(userId: string): Access {
  return {
    projects: sql<SqlBool>`projects.owner_id = ${userId}`,
    // equal to "the task's project is visible" while a task's creator is always its project's owner;
    // kept on tasks.user_id because every list index leads with it
    tasks: sql<SqlBool>`tasks.user_id = ${userId}`,
    roleIn: () => 'owner',
    memberCount: () => 1,
  };
}
