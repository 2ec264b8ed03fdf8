/** Members' initials: on a shared project's header and on assigned tasks. */
import { useEffect } from 'preact/hooks';
import type { Member, ProjectId, Task } from '../api';
import { cachedMembers, displayName, hueOf, initials, loadMembers } from '../members';
import { useStore } from '../store';

export function Avatar({
  member,
  size = 24,
  label,
}: {
  member: Pick<Member, 'name' | 'email' | 'user_id'>;
  size?: number;
  label?: string;
}) {
  const name = displayName(member);
  return (
    <span
      class="avatar"
      role="img"
      aria-label={label ?? name}
      title={label ?? name}
      style={{
        width: `${size}px`,
        height: `${size}px`,
        fontSize: `${Math.round(size * 0.42)}px`,
        background: `hsl(${hueOf(member.user_id)} 55% 36%)`,
      }}
    >
      {initials(member)}
    </span>
  );
}

/** The members of a shared project, as a row of initials (at most `max`, then "+n"). */
export function MemberAvatars({ projectId, max = 5 }: { projectId: ProjectId; max?: number }) {
  const members = useStore().members[String(projectId)];
  useEffect(() => {
    if (!members) void loadMembers(projectId).catch(() => undefined);
  }, [projectId, members]);
  if (!members || members.length < 2) return null;
  const shown = members.slice(0, max);
  return (
    <span class="avatars" aria-label={`Shared with ${members.length - 1} other${members.length === 2 ? '' : 's'}`}>
      {shown.map((m) => (
        <Avatar key={m.user_id} member={m} label={`${displayName(m)} (${m.role})`} />
      ))}
      {members.length > max && <span class="avatar more">+{members.length - max}</span>}
    </span>
  );
}

/** On a task row: who it is assigned to (nothing when nobody). */
export function AssigneeBadge({ task }: { task: Pick<Task, 'assignee_id' | 'project_id'> }) {
  const all = useStore().members;
  const members = task.assignee_id ? all[String(task.project_id)] : undefined;
  useEffect(() => {
    if (task.assignee_id && !cachedMembers(task.project_id)) void loadMembers(task.project_id).catch(() => undefined);
  }, [task.assignee_id, task.project_id]);
  if (!task.assignee_id) return null;
  const m = members?.find((x) => x.user_id === task.assignee_id) ?? { user_id: task.assignee_id, name: null, email: null };
  return (
    <span class="assignee">
      <Avatar member={m} size={20} label={`Assigned to ${displayName(m)}`} />
    </span>
  );
}
