import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Dialog } from '../editor/Dialog';
import { dialogOpen, plain, typing } from '../keys';
import { toast, undoLatest } from '../store';

/** What the sheet lists: every shortcut the app has (kept next to the handler of the global ones). */
const SHORTCUTS: { keys: string[]; what: string }[] = [
  { keys: ['N'], what: 'Add a task (jumps to quick add)' },
  { keys: ['/'], what: 'Search (All tasks)' },
  { keys: ['Space'], what: 'Complete the task whose checkbox has focus; focus moves on to the next task' },
  { keys: ['U', 'Ctrl+Z'], what: 'Undo the last completion or deletion (while its message shows)' },
  { keys: ['Alt+↑', 'Alt+↓'], what: 'Move the focused task up or down (in a project)' },
  { keys: ['Esc'], what: 'Close a dialog, menu or panel' },
  { keys: ['?'], what: 'Show these shortcuts' },
];

const OPEN_EVENT = 'taskstream:shortcuts';
/** Opens the sheet from a button (the header's). */
export const openShortcuts = (): void => void window.dispatchEvent(new Event(OPEN_EVENT));

/**
 * The app-wide shortcuts: "?" opens the sheet, U or Ctrl/Cmd+Z runs the newest toast's Undo.
 * None of them fires while typing in a field (Ctrl+Z there is the field's own undo) or while a
 * dialog is open (its page is out of reach, and so is a toast held back behind it).
 */
export function Shortcuts() {
  const [open, setOpen] = useState(false);

  useEffect(() => {
    const show = () => setOpen(true);
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || typing(e.target) || dialogOpen()) return;
      if (e.key === '?' && plain(e)) {
        e.preventDefault();
        setOpen(true);
      } else if ((e.key === 'u' && plain(e)) || (e.key.toLowerCase() === 'z' && (e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey)) {
        if (undoLatest()) e.preventDefault();
        else if (e.key === 'u') toast('Nothing to undo');
      }
    };
    window.addEventListener(OPEN_EVENT, show);
    document.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener(OPEN_EVENT, show);
      document.removeEventListener('keydown', onKey);
    };
  }, []);

  if (!open) return null;
  return (
    <Dialog title="Keyboard shortcuts" onClose={() => setOpen(false)}>
      <dl class="shortcuts" data-testid="shortcuts">
        {SHORTCUTS.map((s) => (
          <div key={s.what} class="shortcut">
            <dt>
              {s.keys.map((k, i) => (
                <Fragment key={k}>
                  {i > 0 && <span class="or"> or </span>}
                  <kbd>{k}</kbd>
                </Fragment>
              ))}
            </dt>
            <dd>{s.what}</dd>
          </div>
        ))}
      </dl>
    </Dialog>
  );
}
