import { useEffect, useRef, useState } from 'preact/hooks';
import { inDateRange } from '../../../src/tasks/date-range';
import { LIMITS } from '../../../src/tasks/limits';
import { isConnectionError, onReconnect } from '../connection';
import { DATE_RANGE_TEXT, friendlyDate, isoWithOffset } from '../dates';
import { loadParser, parseQuickAdd, type QuickParse } from '../quickadd';
import { findProject } from '../projects';
import { toast, useStore } from '../store';
import { createTask } from '../tasks';
import { describedBy, errId, FieldError, Icon } from './Field';

/** the server's limit on a title (in code points, as its schema counts); the phrase around it may be longer */
const TITLE_MAX = LIMITS.titleMax;
/** the count shows from here on */
const COUNT_FROM = TITLE_MAX - 40;

/** A phone's field is too narrow for the long example, which was cut off mid-word: it gets a short one. */
const PHONE = '(max-width: 640px)';
function usePlaceholder(): string {
  const [narrow, setNarrow] = useState(() => matchMedia(PHONE).matches);
  useEffect(() => {
    const media = matchMedia(PHONE);
    const on = () => setNarrow(media.matches);
    media.addEventListener('change', on);
    return () => media.removeEventListener('change', on);
  }, []);
  return narrow ? 'Add a task, e.g. “Gym 7am”' : 'Add a task — e.g. “Pay rent tomorrow 9am every month #home !high”';
}

export function QuickAdd() {
  useStore(); // the "@project" chip follows the projects as they load or change
  const placeholder = usePlaceholder();
  const [text, setText] = useState('');
  const [preview, setPreview] = useState<QuickParse | null>(null);
  const [error, setError] = useState<{ message: string; connection: boolean } | undefined>();
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!text.trim()) return setPreview(null);
    let live = true;
    const t = setTimeout(
      () =>
        void parseQuickAdd(text).then(
          (p) => live && setPreview(p),
          () => undefined, // the parser did not load (offline): Enter says so
        ),
      120,
    );
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [text]);

  // "Cannot reach the server" is stale once the connection is back
  useEffect(() => onReconnect(() => setError((e) => (e?.connection ? undefined : e))), []);

  // "n" focuses quick add from anywhere (unless typing somewhere else)
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement;
      if (document.body.classList.contains('modal-open')) return;
      if (e.key === 'n' && !e.ctrlKey && !e.metaKey && !e.altKey && !/INPUT|TEXTAREA|SELECT/.test(el.tagName) && !el.isContentEditable) {
        e.preventDefault();
        input.current?.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  async function submit(e: Event) {
    e.preventDefault();
    if (!text.trim() || busy) return;
    setBusy(true);
    setError(undefined);
    const say = (message: string) => setError({ message, connection: false });
    try {
      const p = await parseQuickAdd(text);
      // "#home tomorrow" alone is no task: say so rather than title it with its own tags
      if (!p.title) return say('Add a title: the words that are not a date, repeat, #tag or priority.');
      const length = titleLength(p.title);
      if (length > TITLE_MAX) return say(`Shorten the title to ${TITLE_MAX} characters first.`);
      // the API's years (the instant in UTC, as it checks): said here, not sent to be refused
      if (p.due && !inDateRange(p.due)) return say(`The due date must be ${DATE_RANGE_TEXT}.`);
      const project = p.project === null ? undefined : findProject(p.project);
      if (p.project !== null && !project) return say(`There is no project “${p.project}”. Add it in the sidebar first, or pick another.`);
      const task = await createTask({
        title: p.title,
        ...(p.due ? { due_date: isoWithOffset(p.due) } : {}),
        ...(p.recurrence ? { recurrence: p.recurrence } : {}),
        ...(p.tags.length ? { tags: p.tags } : {}),
        ...(p.priority ? { priority: p.priority } : {}),
        ...(project ? { project_id: project.id } : {}),
      });
      setText('');
      toast(project ? `Added “${task.title}” to ${project.name}` : `Added “${task.title}”`);
    } catch (err) {
      setError({ message: err instanceof Error ? err.message : String(err), connection: isConnectionError(err) });
    } finally {
      setBusy(false);
      input.current?.focus();
    }
  }

  const length = titleLength(preview?.title ?? text);
  const counted = length >= COUNT_FROM;
  return (
    <form class="quickadd" onSubmit={submit} aria-label="Quick add">
      <div class="quickadd-row">
        <label for="quick-add" class="sr-only">
          New task
        </label>
        <input
          id="quick-add"
          dir="auto"
          ref={input}
          value={text}
          placeholder={placeholder}
          autocomplete="off"
          maxLength={400}
          onFocus={() => void loadParser().catch(() => undefined)}
          onInput={(e) => setText(e.currentTarget.value)}
          {...describedBy('quick-add', error?.message, counted ? 'quick-add-preview quick-add-count' : 'quick-add-preview')}
        />
        <button class="btn primary" type="submit" disabled={busy || !text.trim()}>
          Add
        </button>
        <a class="btn" href="#/tasks/new" title="New task with all details">
          <Icon name="plus" size={16} />
          <span class="hide-sm">Details</span>
          <span class="sr-only"> (new task with all details)</span>
        </a>
      </div>
      <p id="quick-add-preview" class="quickadd-preview" aria-live="polite">
        {preview && (preview.due || preview.recurrence || preview.tags.length > 0 || preview.priority || preview.project) ? (
          <>
            {preview.title && <span class="chip">“{preview.title}”</span>}
            {preview.due &&
              (inDateRange(preview.due) ? (
                <span class="chip">Due {friendlyDate(preview.due.toISOString())}</span>
              ) : (
                <span class="chip warn" data-testid="preview-out-of-range">
                  Due {friendlyDate(preview.due.toISOString())}: dates must be {DATE_RANGE_TEXT}
                </span>
              ))}
            {preview.recurrenceLabel && (
              <span class="chip">
                <Icon name="repeat" size={14} /> {preview.recurrenceLabel}
              </span>
            )}
            {preview.priority && <span class={`chip prio-${preview.priority}`}>{preview.priority}</span>}
            {preview.tags.map((t) => (
              <span class="chip tag" key={t}>
                #{t}
              </span>
            ))}
            {preview.project !== null && <ProjectChip name={preview.project} />}
          </>
        ) : (
          <span class="hint">
            Tip: dates like “tomorrow 9am”, repeats like “every monday”, #tags, @project and !priority work here. Press N to jump here.
          </span>
        )}
      </p>
      {counted && (
        <p id="quick-add-count" class={`quickadd-count${length > TITLE_MAX ? ' over' : ''}`} aria-live="polite">
          {length > TITLE_MAX ? tooLong(length) : `Title: ${length} of ${TITLE_MAX} characters.`}
        </p>
      )}
      <FieldError id={errId('quick-add')} message={error?.message} />
    </form>
  );
}

/** Characters as the server counts them: code points of the trimmed title. */
const titleLength = (title: string) => [...title.trim()].length;
const tooLong = (length: number) =>
  `The title is ${length} characters long: at most ${TITLE_MAX}. Shorten it by ${length - TITLE_MAX} (dates, #tags and !priority do not count).`;

/** The preview of an "@project" target: the project it resolves to, or a warning. */
function ProjectChip({ name }: { name: string }) {
  const p = findProject(name);
  return p ? (
    <span class="chip project" data-testid="preview-project">
      <span class="swatch" style={{ background: p.color }} aria-hidden="true" />
      <span class="sr-only">Project: </span>
      {p.name}
    </span>
  ) : (
    <span class="chip warn" data-testid="preview-project">
      @{name}: no such project
    </span>
  );
}
