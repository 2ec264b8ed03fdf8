/** The editor's assignee field: a member of the task's project, or nobody. Only for shared projects. */
import { useEffect } from 'preact/hooks';
import { displayName, isShared, loadMembers } from '../members';
import { useStore } from '../store';
import { describedBy, errId, FieldError } from '../components/Field';

export function AssigneePicker(props: {
  projectId: string;
  value: string;
  onChange: (userId: string) => void;
  error?: string | undefined;
}) {
  const s = useStore();
  const project = s.projects.find((p) => String(p.id) === props.projectId);
  const members = s.members[props.projectId];
  const shared = isShared(project);
  useEffect(() => {
    if (shared && !members) void loadMembers(props.projectId).catch(() => undefined);
  }, [props.projectId, shared, members]);
  if (!shared && !props.value) return null;
  const known = members ?? [];
  return (
    <div class="field">
      <label for="f-assignee">Assignee</label>
      <select
        id="f-assignee"
        value={props.value}
        onChange={(e) => props.onChange(e.currentTarget.value)}
        {...describedBy('assignee_id', props.error)}
      >
        <option value="">Nobody</option>
        {known.map((m) => (
          <option key={m.user_id} value={m.user_id}>
            {displayName(m)}
            {m.user_id === s.session?.userId ? ' (me)' : ''}
          </option>
        ))}
        {props.value && !known.some((m) => m.user_id === props.value) && <option value={props.value}>{props.value}</option>}
      </select>
      <FieldError id={errId('assignee_id')} message={props.error} />
    </div>
  );
}
