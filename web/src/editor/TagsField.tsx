/** The editor's tags: chips with a remove button, a text field (Enter or comma adds), suggestions from the user's other tasks. */
import { useEffect } from 'preact/hooks';
import { api, type Task } from '../api';
import { Icon, LabeledField } from '../components/Field';
import { rememberTags, useStore } from '../store';
import { withTag } from './form';

export function TagsField({
  tags,
  onChange,
  draft,
  setDraft,
  message,
}: {
  tags: string[];
  onChange: (tags: string[]) => void;
  /** what is typed and not yet a chip (the editor adds it on save) */
  draft: string;
  setDraft: (v: string) => void;
  message: string | undefined;
}) {
  const s = useStore();
  // suggestions: every tag of the user's tasks (loaded once in the background)
  useEffect(() => void loadAllTags(), []);
  const known = new Set(tags);
  const suggestions = s.knownTags.filter((t) => !known.has(t));
  const add = (raw: string) => {
    onChange(withTag(tags, raw));
    setDraft('');
  };
  const hint = suggestions.length
    ? `Your tags: ${suggestions.slice(0, 6).join(', ')}${suggestions.length > 6 ? '…' : ''}`
    : 'Enter or comma adds a tag.';
  return (
    <LabeledField id="f-tags" label="Tags" field="tags" message={message} hint={hint}>
      {(aria) => (
        <div class="tags-input">
          {tags.map((t) => (
            <span class="chip tag" key={t} dir="auto">
              #{t}
              <button type="button" class="chip-x" aria-label={`Remove tag ${t}`} onClick={() => onChange(tags.filter((x) => x !== t))}>
                <Icon name="close" size={12} />
              </button>
            </span>
          ))}
          <input
            id="f-tags"
            dir="auto"
            list="tag-suggestions"
            value={draft}
            placeholder={tags.length ? '' : 'Type and press Enter'}
            onInput={(e) => {
              const v = e.currentTarget.value;
              if (v.endsWith(',')) add(v.slice(0, -1));
              else if (suggestions.includes(v) && (e as InputEvent).inputType !== 'insertText') add(v);
              else setDraft(v);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && draft.trim()) {
                e.preventDefault();
                add(draft);
              } else if (e.key === 'Backspace' && !draft && tags.length) onChange(tags.slice(0, -1));
            }}
            {...aria}
          />
          <datalist id="tag-suggestions">
            {suggestions.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
        </div>
      )}
    </LabeledField>
  );
}

let tagsLoaded = false;
/** One background pass over the user's tasks, so tag suggestions include tags of unloaded pages. */
async function loadAllTags(): Promise<void> {
  if (tagsLoaded) return;
  tagsLoaded = true;
  let next: string | null = null;
  try {
    for (let page = 0; page < 10; page++) {
      const r: { tasks: Task[]; next: string | null } = await api.listTasks(
        next ?? new URLSearchParams({ status: 'all', limit: '200', sort: 'created_at' }),
      );
      rememberTags(r.tasks);
      next = r.next;
      if (!next) break;
    }
  } catch {
    tagsLoaded = false;
  }
}
