/** The editor's first section: what the task is (title, description), where (project, assignee), priority and tags. */
import { PRIORITIES, type Priority, type Task } from '../api';
import { LabeledField } from '../components/Field';
import { useStore } from '../store';
import { AssigneePicker } from './AssigneePicker';
import type { SectionProps } from './form';
import { TagsField } from './TagsField';

export function DetailsSection({
  form,
  set,
  msg,
  task,
  tagDraft,
  setTagDraft,
}: SectionProps & { task: Task | null; tagDraft: string; setTagDraft: (v: string) => void }) {
  const s = useStore();
  const choices = s.projects.filter((p) => !p.archived || String(p.id) === form.project);
  return (
    <>
      <LabeledField id="f-title" label="Title" field="title" message={msg('title')}>
        {(aria) => (
          <input id="f-title" dir="auto" autofocus value={form.title} onInput={(e) => set('title', e.currentTarget.value)} {...aria} />
        )}
      </LabeledField>
      <LabeledField id="f-desc" label="Description" field="description" message={msg('description')}>
        {(aria) => (
          <textarea
            id="f-desc"
            dir="auto"
            rows={3}
            value={form.description}
            onInput={(e) => set('description', e.currentTarget.value)}
            {...aria}
          />
        )}
      </LabeledField>
      {choices.length > 0 && (
        <LabeledField
          id="f-project"
          label="Project"
          field="project_id"
          message={msg('project_id')}
          hint={task?.parent_id ? 'A subtask moved to another project goes to its top level.' : undefined}
        >
          {(aria) => (
            <select id="f-project" value={form.project} onChange={(e) => set('project', e.currentTarget.value)} {...aria}>
              {choices.map((p) => (
                <option key={p.id} value={String(p.id)}>
                  {p.name}
                </option>
              ))}
            </select>
          )}
        </LabeledField>
      )}
      <AssigneePicker projectId={form.project} value={form.assignee} onChange={(v) => set('assignee', v)} error={msg('assignee_id')} />
      <div class="grid2">
        <LabeledField id="f-priority" label="Priority" field="priority" message={msg('priority')}>
          {(aria) => (
            <select id="f-priority" value={form.priority} onChange={(e) => set('priority', e.currentTarget.value as Priority)} {...aria}>
              {PRIORITIES.map((p) => (
                <option key={p} value={p}>
                  {p === 'none' ? 'None' : p[0]?.toUpperCase() + p.slice(1)}
                </option>
              ))}
            </select>
          )}
        </LabeledField>
        <TagsField tags={form.tags} onChange={(tags) => set('tags', tags)} draft={tagDraft} setDraft={setTagDraft} message={msg('tags')} />
      </div>
    </>
  );
}
