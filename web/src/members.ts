/**
 * Members of shared projects, cached per project: the share dialog, the avatars on
 * a project and on assigned tasks, the editor's assignee picker. Refetched when the project
 * changes (a `project` live event) or after the caller changed them.
 */
import { api, type Member, type MemberRole, type Project, type ProjectId } from './api';
import { applyProjectEvent, loadProjects } from './projects';
import { getState, setState, toast } from './store';
import { reload } from './tasks';

const loading = new Map<string, Promise<Member[]>>();

export const cachedMembers = (projectId: ProjectId | null | undefined): Member[] | undefined =>
  projectId === null || projectId === undefined ? undefined : getState().members[String(projectId)];

/** A project's members (its owner first), fetched once and then from the cache. */
export function loadMembers(projectId: ProjectId, fresh = false): Promise<Member[]> {
  const key = String(projectId);
  const have = getState().members[key];
  if (have && !fresh) return Promise.resolve(have);
  const pending = loading.get(key);
  if (pending && !fresh) return pending;
  const p = api
    .members(projectId)
    .then((list) => {
      setState((s) => ({ members: { ...s.members, [key]: list } }));
      return list;
    })
    .finally(() => loading.delete(key));
  loading.set(key, p);
  return p;
}

export function forgetMembers(projectId: ProjectId): void {
  const key = String(projectId);
  setState((s) => {
    const next = { ...s.members };
    delete next[key];
    return { members: next };
  });
}

export const isShared = (p: Project | undefined): boolean => !!p && p.member_count > 1;

export async function invite(projectId: ProjectId, email: string, role: MemberRole): Promise<Member> {
  const m = await api.addMember(projectId, email, role);
  await loadMembers(projectId, true);
  return m;
}

export async function changeRole(projectId: ProjectId, userId: string, role: MemberRole): Promise<void> {
  await api.updateMember(projectId, userId, role);
  await loadMembers(projectId, true);
}

export async function removeMember(projectId: ProjectId, userId: string): Promise<void> {
  await api.removeMember(projectId, userId);
  if (userId === getState().session?.userId) forgetMembers(projectId);
  else await loadMembers(projectId, true);
}

/** "Ada Lovelace" → "AL", "ada@example.com" → "A". */
export function initials(m: Pick<Member, 'name' | 'email' | 'user_id'>): string {
  const source = m.name?.trim() || m.email?.split('@')[0] || m.user_id;
  const words = source.split(/[\s._-]+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0]![0], words[words.length - 1]![0]] : [source[0]];
  return letters.join('').toUpperCase();
}

export const displayName = (m: Pick<Member, 'name' | 'email' | 'user_id'>): string => m.name?.trim() || m.email || m.user_id;

/** A stable hue per user, so a person has the same color everywhere. */
export function hueOf(userId: string): number {
  let h = 0;
  for (const c of userId) h = (h * 31 + c.charCodeAt(0)) % 360;
  return h;
}

/** A `project` live event: its data is the project as its owner sees it; `revoked` names members it removed. */
export interface ProjectEvent {
  event_type: 'created' | 'updated' | 'deleted';
  project_id: ProjectId;
  revoked?: string[];
  data?: Project;
}

/**
 * The sidebar and the members follow a project's changes. Removed from it, this user loses it at
 * once (and its tasks from every list); a project shared with this user (its role is not in the
 * owner's view of it) is refetched.
 */
export function onProjectEvent(e: ProjectEvent): void {
  const me = getState().session?.userId;
  const key = String(e.project_id);
  if (me && e.revoked?.includes(me)) {
    const name = getState().projects.find((p) => String(p.id) === key)?.name;
    forgetMembers(e.project_id);
    applyProjectEvent({ event_type: 'deleted', project_id: e.project_id });
    const s = getState();
    if (s.view.kind === 'project' && s.view.id === key) location.hash = '#/inbox';
    else void reload({ keepCount: true });
    if (name) toast(`You no longer have access to “${name}”`);
    return;
  }
  if (getState().members[key]) void loadMembers(e.project_id, true).catch(() => undefined);
  if (e.data && e.data.owner_id !== me) void loadProjects();
  else applyProjectEvent(e);
}
