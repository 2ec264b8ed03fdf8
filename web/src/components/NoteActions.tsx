import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { completeTask, snooze, SNOOZE_PRESETS, taskState, type ReminderNote } from '../reminders';
import type { State } from '../store';
import { closeSystemNotifications } from '../system-notifications';

/**
 * Snooze (a few presets) and Complete on one reminder. The buttons are named by their visible
 * labels; the reminder's text (describedBy) tells them apart for screen readers. Results are
 * announced by the toasts' live region.
 */
export function NoteActions({ n, s, describedBy }: { n: ReminderNote; s: State; describedBy: string }) {
  const [open, setOpen] = useState(false);
  const busy = useRef(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const menuId = `snooze-${n.id}`;

  // layout effect: focus is on the first preset before the next key press is handled
  useLayoutEffect(() => {
    if (open) menu.current?.querySelector('button')?.focus();
  }, [open]);

  const state = taskState(s, n.task_id);
  if (state === 'completed' || state === 'deleted') {
    return (
      <div class="note-actions">
        <span class="pill">{state === 'completed' ? 'Task completed' : 'Task deleted'}</span>
      </div>
    );
  }

  async function run(action: () => Promise<boolean>, after: () => void) {
    if (busy.current) return;
    busy.current = true;
    try {
      if (!(await action())) return;
      after();
      void closeSystemNotifications(n.id).catch(() => undefined);
    } finally {
      busy.current = false;
    }
  }
  const close = () => {
    setOpen(false);
    toggle.current?.focus();
  };

  return (
    <div class="note-actions">
      <button
        ref={toggle}
        type="button"
        class="btn ghost small"
        aria-expanded={open}
        aria-controls={menuId}
        aria-describedby={describedBy}
        onClick={() => setOpen(!open)}
      >
        Snooze
      </button>
      <button
        type="button"
        class="btn ghost small"
        aria-describedby={describedBy}
        onClick={(e) => {
          // Complete replaces these buttons with "Task completed": focus goes to the reminder itself
          const note = e.currentTarget.closest('li')?.querySelector<HTMLElement>('a');
          void run(
            () => completeTask(n),
            () => note?.focus(),
          );
        }}
      >
        Complete
      </button>
      {open && (
        <div
          class="snooze-menu"
          id={menuId}
          ref={menu}
          role="group"
          aria-label="Snooze for"
          onKeyDown={(e) => {
            if (e.key !== 'Escape') return;
            e.stopPropagation(); // close this menu, not the whole panel
            close();
          }}
        >
          {SNOOZE_PRESETS.map((p) => (
            <button key={p.minutes} type="button" class="btn small" onClick={() => void run(() => snooze(n, p.minutes), close)}>
              {p.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
